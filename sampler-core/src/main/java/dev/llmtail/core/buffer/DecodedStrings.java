package dev.llmtail.core.buffer;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The short ASCII strings of span bytes (attribute keys, span names, small attribute values) as
 * {@code String}s shared between spans, so that the thousandth {@code gen_ai.request.model} read at
 * a decision is the same object as the first, not a new string and array.
 *
 * <p>Design: a direct-mapped table indexed by the string's {@link String#hashCode} (computed over
 * the bytes, which for ASCII equals the string's), each slot holding the last string that mapped
 * there. A hit is a hash and a byte-for-byte comparison; a miss decodes and takes the slot. The
 * table is bounded (high-cardinality values such as ids only overwrite slots), needs no lock (slots
 * hold immutable strings; a racing write loses one entry, never a wrong answer), and never holds
 * anything but strings that arrived in spans: only pure ASCII, so that a matching string's UTF-8
 * encoding is exactly the bytes compared.
 */
final class DecodedStrings {

  /** Longest string looked up; longer ones are decoded each time. */
  static final int MAX_LENGTH = 64;

  private static final int SLOTS = 4096;

  private final @Nullable String[] table = new String[SLOTS];

  /**
   * The string of {@code length} ASCII bytes at {@code offset}, shared if seen before; null when
   * the bytes are not all ASCII or longer than {@link #MAX_LENGTH} (the caller decodes them).
   */
  @Nullable String ascii(byte[] bytes, int offset, int length) {
    if (length > MAX_LENGTH) {
      return null;
    }
    int hash = 0;
    int end = offset + length;
    for (int i = offset; i < end; i++) {
      byte b = bytes[i];
      if (b < 0) {
        return null;
      }
      hash = 31 * hash + b;
    }
    int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
    String held = table[slot];
    if (held != null && held.hashCode() == hash && sameAscii(held, bytes, offset, length)) {
      return held;
    }
    String decoded = new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
    table[slot] = decoded;
    return decoded;
  }

  private static boolean sameAscii(String s, byte[] bytes, int offset, int length) {
    if (s.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (s.charAt(i) != bytes[offset + i]) {
        return false;
      }
    }
    return true;
  }
}
