package dev.llmtail.core;

import com.google.protobuf.ByteString;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * A W3C trace id: 16 bytes, not all zero. Compact (two longs) because it is the key of every
 * buffered trace and every remembered decision.
 */
public record TraceId(long high, long low) {

  private static final HexFormat HEX = HexFormat.of();

  /** Returns the trace id in {@code bytes}, or {@code null} if they are not a valid trace id. */
  public static @Nullable TraceId fromBytesOrNull(ByteString bytes) {
    if (bytes.size() != 16) {
      return null;
    }
    long high = 0;
    long low = 0;
    for (int i = 0; i < 8; i++) {
      high = (high << 8) | (bytes.byteAt(i) & 0xFF);
      low = (low << 8) | (bytes.byteAt(i + 8) & 0xFF);
    }
    return high == 0 && low == 0 ? null : new TraceId(high, low);
  }

  /** Parses 32 lower- or upper-case hex characters. */
  public static TraceId fromHex(String hex) {
    if (hex == null || hex.length() != 32) {
      throw new IllegalArgumentException(
          "trace id: '"
              + hex
              + "' (expected: 32 hex characters, e.g. 4bf92f3577b34da6a3ce929d0e0e4736)");
    }
    try {
      TraceId id =
          new TraceId(
              HexFormat.fromHexDigitsToLong(hex, 0, 16),
              HexFormat.fromHexDigitsToLong(hex, 16, 32));
      if (id.high == 0 && id.low == 0) {
        throw new IllegalArgumentException("trace id: all zero (expected: a non-zero id)");
      }
      return id;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "trace id: '" + hex + "' (expected: 32 hex characters)", e);
    }
  }

  /** The 56 low bits: the randomness W3C trace context level 2 and OpenTelemetry sampling use. */
  public long randomness() {
    return low & 0x00FF_FFFF_FFFF_FFFFL;
  }

  public String toHex() {
    return HEX.toHexDigits(high) + HEX.toHexDigits(low);
  }

  @Override
  public String toString() {
    return toHex();
  }
}
