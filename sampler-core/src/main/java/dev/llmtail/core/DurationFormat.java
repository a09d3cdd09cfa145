package dev.llmtail.core;

import java.time.Duration;
import java.util.Locale;

/** Formats durations the way a person reads them in evidence and errors: 850ms, 12.3s, 4m05s. */
public final class DurationFormat {

  private DurationFormat() {}

  public static String format(Duration d) {
    return formatNanos(d.toNanos());
  }

  public static String formatNanos(long nanos) {
    if (nanos < 0) {
      return "-" + formatNanos(-nanos);
    }
    if (nanos == 0) {
      return "0s";
    }
    if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.3fms", nanos / 1e6);
    }
    if (nanos < 1_000_000_000) {
      return (nanos / 1_000_000) + "ms";
    }
    if (nanos < 60_000_000_000L) {
      return String.format(Locale.ROOT, "%.1fs", nanos / 1e9).replace(".0s", "s");
    }
    long seconds = nanos / 1_000_000_000;
    return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
  }
}
