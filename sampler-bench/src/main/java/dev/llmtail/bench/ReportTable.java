package dev.llmtail.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The rows measured by {@link BenchmarkRun}, printed as the table of docs/performance.md. */
final class ReportTable {

  private final List<Row> rows = new ArrayList<>();

  /** One line of the table; NaN where a figure does not apply. */
  record Row(
      String name,
      double spansPerSecond,
      double cpuSecondsPerMillion,
      double p50Millis,
      double p99Millis,
      long keptTraces,
      double heapPerSpan,
      double wirePerSpan,
      long gcCount,
      long gcMillis,
      long refused,
      String note) {}

  void add(Row row) {
    rows.add(row);
  }

  /** Prints the table, then the ratios between the rows that docs/performance.md quotes. */
  void print() {
    System.out.println();
    System.out.printf(
        "%-22s %10s %12s %9s %9s %8s %10s %10s %9s %14s %8s  %s%n",
        "configuration",
        "spans/s",
        "CPU s/Mspan",
        "p50 ms",
        "p99 ms",
        "kept",
        "heap B/sp",
        "wire B/sp",
        "heap/wire",
        "GC pauses",
        "refused",
        "note");
    for (Row r : rows) {
      System.out.printf(
          Locale.ROOT,
          "%-22s %10.0f %12.2f %9s %9s %8d %10s %10.0f %9s %14s %8d  %s%n",
          r.name(),
          r.spansPerSecond(),
          r.cpuSecondsPerMillion(),
          figure(r.p50Millis()),
          figure(r.p99Millis()),
          r.keptTraces(),
          figure(r.heapPerSpan()),
          r.wirePerSpan(),
          Double.isNaN(r.heapPerSpan())
              ? "-"
              : String.format(Locale.ROOT, "%.2fx", r.heapPerSpan() / r.wirePerSpan()),
          r.gcCount() + " / " + r.gcMillis() + " ms",
          r.refused(),
          r.note());
    }
    Row a = find("(a)");
    Row b = find("(b)");
    Row c = find("(c) llmtail");
    Row d = find("(d)");
    System.out.println();
    if (c != null && a != null) {
      System.out.printf(
          Locale.ROOT,
          "(c)/(a) throughput: %.1f %%%n",
          100 * c.spansPerSecond() / a.spansPerSecond());
    }
    if (c != null && b != null) {
      System.out.printf(
          Locale.ROOT,
          "(c)/(b) throughput: %.1f %% (target >= 50 %%)%n",
          100 * c.spansPerSecond() / b.spansPerSecond());
    }
    if (c != null) {
      System.out.printf(
          Locale.ROOT,
          "heap per buffered span: %.2fx wire (target <= 1.5x); p99 last-span-to-export %.0f ms (target <= 10000 + 250 ms)%n",
          c.heapPerSpan() / c.wirePerSpan(),
          c.p99Millis());
    }
    for (String sync : List.of("os", "always")) {
      Row logged = find("(c) span log, " + sync);
      if (c != null && logged != null) {
        System.out.printf(
            Locale.ROOT,
            "(c) span log, sync %s / (c) throughput: %.1f %% (target >= 70 %% with the default"
                + " sync os)%n",
            sync,
            100 * logged.spansPerSecond() / c.spansPerSecond());
      }
    }
    if (c != null && d != null) {
      System.out.printf(
          Locale.ROOT,
          "(d)/(c) throughput at the trace bound: %.1f %% (no collapse)%n",
          100 * d.spansPerSecond() / c.spansPerSecond());
    }
    if (c != null && b != null) {
      System.out.printf(
          Locale.ROOT,
          "HEADLINE: llmtail with the shipped policy set carries %.0f spans/s on this machine, %.0f %% of pass-through%s%n",
          c.spansPerSecond(),
          100 * c.spansPerSecond() / b.spansPerSecond(),
          a == null
              ? ""
              : String.format(
                  Locale.ROOT,
                  " and %.0f %% of the protobuf decode floor",
                  100 * c.spansPerSecond() / a.spansPerSecond()));
    }
  }

  private Row find(String prefix) {
    return rows.stream().filter(r -> r.name().startsWith(prefix)).findFirst().orElse(null);
  }

  private static String figure(double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.0f", value);
  }
}
