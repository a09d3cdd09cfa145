package dev.llmtail.policies.genai;

import com.dynatrace.hash4j.hashing.HashStream128;
import com.dynatrace.hash4j.hashing.HashValue128;
import com.dynatrace.hash4j.hashing.Hasher128;
import com.dynatrace.hash4j.hashing.Hashing;
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
 * a collision (XXH3 does not resist that) would only get its own trace kept as a duplicate.
 *
 * <p>What is hashed is UTF-8: the system instructions' bytes, the byte {@code 0xFF} (which UTF-8
 * never holds, so that where they end is part of what is hashed), then the input's bytes. An input
 * captured in one attribute is hashed as the span's own bytes ({@link Utf8Text}), without a copy or
 * a {@code String}; text from elsewhere (flattened messages written as JSON, log records, events)
 * is encoded a chunk at a time into a buffer the thread keeps. A lone surrogate, which no protobuf
 * string holds, is encoded as its own three bytes, so that different strings never share their
 * bytes. Hashing the characters as UTF-16 (copied a chunk at a time) cost 6.9 % of the deciders'
 * CPU on the llm input.
 */
final class RequestDigest {

  private static final Hasher128 XXH3 = Hashing.xxh3_128();

  /** Characters encoded and hashed per step. */
  private static final int CHUNK = 2048;

  /** Each thread's buffers (10 KiB) and hash stream: deciding threads are few and long-lived. */
  private static final ThreadLocal<Chunk> CHUNKS = ThreadLocal.withInitial(Chunk::new);

  private RequestDigest() {}

  static String of(String systemInstructions, String input) {
    if (systemInstructions.isEmpty() && input.isEmpty()) {
      return "";
    }
    Chunk chunk = CHUNKS.get();
    HashStream128 hash = chunk.start(systemInstructions);
    chunk.putUtf8(input, hash);
    return hex(hash.get());
  }

  /** {@code of(systemInstructions, input.string())}, hashing the input's bytes as they are. */
  static String of(String systemInstructions, Utf8Text input) {
    HashStream128 hash = CHUNKS.get().start(systemInstructions);
    hash.putBytes(input.bytes(), input.start(), input.length());
    return hex(hash.get());
  }

  /**
   * How many bytes {@link #of(String, Utf8Text)} hashes: as many as {@link Chunk#encode} writes.
   */
  static long size(String systemInstructions, Utf8Text input) {
    long bytes = 1L + input.length(); // the byte after the system instructions, and the input
    int n = systemInstructions.length();
    for (int i = 0; i < n; i++) {
      char c = systemInstructions.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(systemInstructions.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3; // a lone surrogate too
      }
    }
    return bytes;
  }

  private static String hex(HashValue128 hash) {
    HexFormat hex = HexFormat.of();
    return hex.toHexDigits(hash.getMostSignificantBits())
        + hex.toHexDigits(hash.getLeastSignificantBits());
  }

  /**
   * A buffer for a chunk of a string's characters, the same characters as UTF-8, and a hash stream
   * reset for each digest (a new one was about 2 % of what llmtail allocated on the llm input).
   */
  private static final class Chunk {
    private final HashStream128 hash = XXH3.hashStream();
    private final char[] chars = new char[CHUNK];
    private final byte[] bytes = new byte[3 * CHUNK];

    /** The hash stream, reset, with the system instructions and the byte after them. */
    HashStream128 start(String systemInstructions) {
      hash.reset();
      putUtf8(systemInstructions, hash);
      return hash.putByte((byte) 0xFF);
    }

    /** Hashes {@code s} as UTF-8, a chunk at a time; a pair of surrogates is never split. */
    void putUtf8(String s, HashStream128 hash) {
      int n = s.length();
      for (int from = 0; from < n; ) {
        int to = Math.min(n, from + CHUNK);
        if (to < n && Character.isHighSurrogate(s.charAt(to - 1))) {
          to--; // its low surrogate is in the next chunk: encode them together
        }
        s.getChars(from, to, chars, 0);
        hash.putBytes(bytes, 0, encode(to - from));
        from = to;
      }
    }

    /** Encodes the first {@code n} of {@link #chars} into {@link #bytes}; their length. */
    private int encode(int n) {
      int k = 0;
      for (int i = 0; i < n; i++) {
        char c = chars[i];
        if (c < 0x80) {
          bytes[k++] = (byte) c;
        } else if (c < 0x800) {
          bytes[k++] = (byte) (0xC0 | (c >> 6));
          bytes[k++] = (byte) (0x80 | (c & 0x3F));
        } else if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(chars[i + 1])) {
          int cp = Character.toCodePoint(c, chars[++i]);
          bytes[k++] = (byte) (0xF0 | (cp >> 18));
          bytes[k++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
          bytes[k++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
          bytes[k++] = (byte) (0x80 | (cp & 0x3F));
        } else {
          bytes[k++] = (byte) (0xE0 | (c >> 12)); // a lone surrogate too, as its own code point
          bytes[k++] = (byte) (0x80 | ((c >> 6) & 0x3F));
          bytes[k++] = (byte) (0x80 | (c & 0x3F));
        }
      }
      return k;
    }
  }
}
