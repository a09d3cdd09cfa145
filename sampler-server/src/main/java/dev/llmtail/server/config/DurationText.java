package dev.llmtail.server.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations as the OpenTelemetry Collector writes them: one or more number-unit pairs, units
 * {@code ns us µs ms s m h}, e.g. {@code 250ms}, {@code 10s}, {@code 1m30s}, {@code 1.5h}.
 */
public final class DurationText {

  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

  private DurationText() {}

  /** Parses {@code text}, or throws {@link IllegalArgumentException} saying what is allowed. */
  public static Duration parse(String text) {
    String t = text.trim();
    Matcher m = PART.matcher(t);
    BigDecimal nanos = BigDecimal.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      nanos =
          nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
      end = m.end();
    }
    if (t.isEmpty() || end != t.length()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a duration (expected: a number with a unit, e.g. 250ms, 10s, 5m, 1h30m)");
    }
    return Duration.ofNanos(nanos.longValue());
  }

  private static long unitNanos(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us", "µs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      case "h" -> 3_600_000_000_000L;
      default -> throw new IllegalStateException("unit " + unit);
    };
  }
}
