package dev.llmtail.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The rows measured by {@link BenchmarkRun}, printed as the table of docs/performance.md. */
final class ReportTable {

  private final List<Row> rows = new ArrayList<>();

  /**
   * One line of the table; NaN where a figure does not apply.
   *
   * @param input which traffic the row was measured on ("mix" or "llm")
   * @param cpuMicrosPerSpan CPU time per span: llmtail's process CPU time (every thread, GC and JIT
   *     included) from the window's start until its traffic was decided and exported, per span
   *     accepted in the window or buffered at its start; for (a), the decoding thread's CPU time
   * @param allocatedPerSpan heap bytes allocated per span, over the same time and spans, by
   *     llmtail's threads (for (a), by the decoding thread)
   * @param cpuByThread the CPU time per span split by {@link ThreadCpu.Group}, over the same time
   *     and spans ("" where the threads cannot be read)
   * @param cpuMicrosWithoutJit the CPU time per span less the JIT compiler threads' (NaN where the
   *     threads cannot be read): what the JIT still compiles after the warm-up is paid once, not
   *     per span, so this is the steady state's figure
   */
  record Row(
      String name,
      String input,
      double spansPerSecond,
      double cpuMicrosPerSpan,
      double spansPerTrace,
      double allocatedPerSpan,
      double p50Millis,
      double p99Millis,
      long keptTraces,
      double heapPerSpan,
      double wirePerSpan,
      long gcCount,
      long gcMillis,
      long refused,
      String note,
      String cpuByThread,
      double cpuMicrosWithoutJit) {}

  void add(Row row) {
    rows.add(row);
  }

  /** Prints the table, then the ratios between the rows that docs/performance.md quotes. */
  void print() {
    System.out.println();
    System.out.printf(
        "%-22s %5s %9s %8s %9s %10s %8s %8s %7s %9s %9s %9s %13s %7s  %s%n",
        "configuration",
        "input",
        "spans/s",
        "CPU us/sp",
        "us/trace",
        "alloc B/sp",
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
          "%-22s %5s %9.0f %9.2f %9.1f %10.0f %8s %8s %7d %9s %9.0f %9s %13s %7d  %s%n",
          r.name(),
          r.input(),
          r.spansPerSecond(),
          r.cpuMicrosPerSpan(),
          r.cpuMicrosPerSpan() * r.spansPerTrace(),
          r.allocatedPerSpan(),
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
      if (!r.cpuByThread().isEmpty()) {
        System.out.printf(
            Locale.ROOT,
            "%28s CPU us/span by thread: %s; without JIT %.2f%n",
            "",
            r.cpuByThread(),
            r.cpuMicrosWithoutJit());
      }
    }
    for (String input : rows.stream().map(Row::input).distinct().toList()) {
      ratios(input);
    }
  }

  private void ratios(String input) {
    Row a = find("(a)", input);
    Row b = find("(b)", input);
    Row c = find("(c) llmtail", input);
    Row d = find("(d)", input);
    System.out.println();
    System.out.println("input " + input + ":");
    if (c != null && a != null) {
      System.out.printf(
          Locale.ROOT,
          "(c)/(a) throughput: %.1f %% (target >= 25 %%)%n",
          100 * c.spansPerSecond() / a.spansPerSecond());
    }
    if (c != null && b != null) {
      System.out.printf(
          Locale.ROOT,
          "(c)/(b) throughput: %.1f %% (target >= 60 %%)%n",
          100 * c.spansPerSecond() / b.spansPerSecond());
    }
    if (c != null) {
      System.out.printf(
          Locale.ROOT,
          "(c) CPU: %.1f us per span (target <= 10), %.1f us per trace (target <= 100 on the llm"
              + " input); without the JIT compiler's threads %.1f us per span, %.1f per trace;"
              + " %.0f bytes allocated per span%n",
          c.cpuMicrosPerSpan(),
          c.cpuMicrosPerSpan() * c.spansPerTrace(),
          c.cpuMicrosWithoutJit(),
          c.cpuMicrosWithoutJit() * c.spansPerTrace(),
          c.allocatedPerSpan());
      System.out.printf(
          Locale.ROOT,
          "heap per buffered span: %.2fx wire (target <= 1.5x); p99 last-span-to-export %.0f ms (target <= 10000 + 250 ms)%n",
          c.heapPerSpan() / c.wirePerSpan(),
          c.p99Millis());
    }
    for (String sync : List.of("os", "always")) {
      Row logged = find("(c) span log, " + sync, input);
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
          "HEADLINE (%s): llmtail with the shipped policy set carries %.0f spans/s on this machine, %.0f %% of pass-through%s%n",
          input,
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

  private Row find(String prefix, String input) {
    return rows.stream()
        .filter(r -> r.name().startsWith(prefix) && r.input().equals(input))
        .findFirst()
        .orElse(null);
  }

  private static String figure(double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.0f", value);
  }
}
