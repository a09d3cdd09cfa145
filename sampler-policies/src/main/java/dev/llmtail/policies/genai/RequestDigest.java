package dev.llmtail.policies.genai;

import com.dynatrace.hash4j.hashing.HashStream128;
import com.dynatrace.hash4j.hashing.HashValue128;
import com.dynatrace.hash4j.hashing.Hasher128;
import com.dynatrace.hash4j.hashing.Hashing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.util.HexFormat;

/**
 * The identity of a captured request: a 128-bit hash (XXH3, hex) of its system instructions and its
 * whole input, uncapped; {@code ""} when neither was captured. Prompts that share their first
 * kilobytes (a long shared context) and differ at the end, or differ only in their system
 * instructions, are different requests.
 *
 * <p>Not a cryptographic digest, on purpose: it was SHA-256 of the UTF-8 bytes, a copy of every
 * prompt and most of the normaliser's hashing time. Equal digests stand for equal requests within
 * one trace and among the 200 000 a duplicate-request policy remembers: two different requests
 * share a 128-bit hash with a chance of about n²/2¹²⁹, 10⁻²⁸ for n = 200 000. A client that crafted
 * a collision (XXH3 does not resist that) would only get its own trace kept as a duplicate. The
 * characters are hashed as they are, without encoding them to bytes; the length of the system
 * instructions goes first, so that where they end is part of what is hashed.
 *
 * <p>The characters are hashed as the UTF-16LE bytes {@code HashStream.putChars} hashes (the same
 * digests), but copied a chunk at a time with {@link String#getChars} into a buffer the thread
 * keeps, and hashed as bytes: hash4j's {@code putChars} reads a {@code CharSequence} one {@code
 * charAt} at a time, and took 2.3 ns per character, the largest single cost of normalising an LLM
 * call that captured its prompt; the copy and the hash of the bytes take about 0.4 ns.
 */
final class RequestDigest {

  private static final Hasher128 XXH3 = Hashing.xxh3_128();

  /** Characters copied and hashed per step. */
  private static final int CHUNK = 2048;

  /** Each thread's buffers (12 KiB): deciding threads are few and long-lived. */
  private static final ThreadLocal<Chunk> CHUNKS = ThreadLocal.withInitial(Chunk::new);

  private RequestDigest() {}

  static String of(String systemInstructions, String input) {
    if (systemInstructions.isEmpty() && input.isEmpty()) {
      return "";
    }
    HashStream128 hash = XXH3.hashStream().putInt(systemInstructions.length());
    Chunk chunk = CHUNKS.get();
    chunk.putChars(systemInstructions, hash);
    chunk.putChars(input, hash);
    return hex(hash.get());
  }

  private static String hex(HashValue128 hash) {
    HexFormat hex = HexFormat.of();
    return hex.toHexDigits(hash.getMostSignificantBits())
        + hex.toHexDigits(hash.getLeastSignificantBits());
  }

  /** A buffer for a chunk of a string's characters, and the same characters as UTF-16LE bytes. */
  private static final class Chunk {
    private final char[] chars = new char[CHUNK];
    private final byte[] bytes = new byte[2 * CHUNK];
    private final CharBuffer asBytes =
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asCharBuffer();

    /** {@code hash.putChars(s)}, a chunk at a time. */
    void putChars(String s, HashStream128 hash) {
      for (int from = 0; from < s.length(); from += CHUNK) {
        int n = Math.min(CHUNK, s.length() - from);
        s.getChars(from, from + n, chars, 0);
        asBytes.clear();
        asBytes.put(chars, 0, n);
        hash.putBytes(bytes, 0, 2 * n);
      }
    }
  }
}
