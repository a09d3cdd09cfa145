package dev.llmtail.core.buffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The short ASCII strings of span bytes that repeat from span to span (attribute keys, span names)
 * as {@code String}s shared between spans, so that the thousandth {@code gen_ai.request.model} read
 * at a decision is the same object as the first, not a new string and array.
 *
 * <p>Design: a direct-mapped table of slots, each holding the last string that mapped there with
 * its bytes. The slot comes from the length and five sampled bytes (no pass over the string); a hit
 * is one vectorised comparison of the bytes ({@link Arrays#equals(byte[], int, int, byte[], int,
 * int)}), measured cheaper than building the string; a miss checks the bytes are ASCII, decodes
 * them and takes the slot. The table is bounded (high-cardinality values such as ids only overwrite
 * slots), needs no lock (a slot holds one immutable {@link Held}; a racing write loses one entry,
 * never mixes two), and holds only pure ASCII, so that bytes equal to a held string's are exactly
 * its UTF-8 encoding.
 */
final class DecodedStrings {

  /** Longest string looked up; longer ones are decoded each time. */
  static final int MAX_LENGTH = 64;

  private static final int BITS = 12;

  private final @Nullable Held[] table = new Held[1 << BITS];

  /**
   * The string of {@code length} bytes at {@code offset}, shared if seen before; null when the
   * bytes are not all ASCII or longer than {@link #MAX_LENGTH} (the caller decodes them).
   */
  @Nullable String ascii(byte[] bytes, int offset, int length) {
    if (length > MAX_LENGTH) {
      return null;
    }
    if (length == 0) {
      return "";
    }
    int end = offset + length;
    int h = length;
    h = 31 * h + bytes[offset];
    h = 31 * h + bytes[offset + (length >>> 2)];
    h = 31 * h + bytes[offset + (length >>> 1)];
    h = 31 * h + bytes[end - 1 - (length >>> 2)];
    h = 31 * h + bytes[end - 1];
    int slot = (h * 0x9E3779B9) >>> (32 - BITS);
    Held held = table[slot];
    if (held != null && Arrays.equals(held.bytes, 0, held.bytes.length, bytes, offset, end)) {
      return held.string;
    }
    for (int i = offset; i < end; i++) {
      if (bytes[i] < 0) {
        return null;
      }
    }
    byte[] copy = Arrays.copyOfRange(bytes, offset, end);
    String decoded = new String(copy, StandardCharsets.ISO_8859_1);
    table[slot] = new Held(copy, decoded);
    return decoded;
  }

  /** A held string and its (ASCII) bytes. */
  @SuppressWarnings("ArrayRecordComponent") // never compared or hashed; the array is never changed
  private record Held(byte[] bytes, String string) {}
}
