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
 * a collision (XXH3 does not resist that) would only get its own trace kept as a duplicate. The
 * characters are hashed as they are, without encoding them to bytes; the length of the system
 * instructions goes first, so that where they end is part of what is hashed.
 */
final class RequestDigest {

  private static final Hasher128 XXH3 = Hashing.xxh3_128();

  private RequestDigest() {}

  static String of(String systemInstructions, String input) {
    if (systemInstructions.isEmpty() && input.isEmpty()) {
      return "";
    }
    return hex(start(systemInstructions).putChars(input).get());
  }

  private static HashStream128 start(String systemInstructions) {
    return XXH3.hashStream().putInt(systemInstructions.length()).putChars(systemInstructions);
  }

  private static String hex(HashValue128 hash) {
    HexFormat hex = HexFormat.of();
    return hex.toHexDigits(hash.getMostSignificantBits())
        + hex.toHexDigits(hash.getLeastSignificantBits());
  }
}
