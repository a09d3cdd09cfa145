package dev.llmtail.server.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size in bytes as written in config: a plain number of bytes, or a number with a unit — binary
 * {@code KiB MiB GiB} or decimal {@code KB MB GB} (e.g. {@code 4MiB}, {@code 512MB}).
 */
public record ByteSize(long bytes) {

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|KB|MB|GB)?");

  public ByteSize {
    if (bytes < 0) {
      throw new IllegalArgumentException(bytes + " bytes (expected: >= 0)");
    }
  }

  @JsonCreator
  static ByteSize parse(Object value) {
    if (value instanceof Number n) {
      return new ByteSize(n.longValue());
    }
    String text = String.valueOf(value).trim();
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a size (expected: bytes or a number with KiB, MiB, GiB, KB, MB, GB, e.g. 256MiB)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    long factor =
        switch (unit) {
          case "KiB" -> 1L << 10;
          case "MiB" -> 1L << 20;
          case "GiB" -> 1L << 30;
          case "KB" -> 1_000L;
          case "MB" -> 1_000_000L;
          case "GB" -> 1_000_000_000L;
          default -> 1L;
        };
    return new ByteSize(Math.multiplyExact(n, factor));
  }

  @JsonValue
  @Override
  public String toString() {
    if (bytes != 0 && bytes % (1L << 30) == 0) {
      return bytes / (1L << 30) + "GiB";
    }
    if (bytes != 0 && bytes % (1L << 20) == 0) {
      return bytes / (1L << 20) + "MiB";
    }
    if (bytes != 0 && bytes % (1L << 10) == 0) {
      return bytes / (1L << 10) + "KiB";
    }
    return String.format(Locale.ROOT, "%d", bytes);
  }
}
