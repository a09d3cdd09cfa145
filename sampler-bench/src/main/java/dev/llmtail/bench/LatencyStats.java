package dev.llmtail.bench;

import java.util.Arrays;

/** End-to-end latencies of a window, matched by sequence number, and their percentiles. */
final class LatencyStats {

  private LatencyStats() {}

  static long[] latencies(LoadGenerator generator, LatencySink sink, long from, long to) {
    long[] all = new long[(int) (to - from)];
    int n = 0;
    for (long seq = from; seq < to; seq++) {
      long sent = generator.sentAt(seq);
      long arrived = sink.arrival(seq);
      if (sent != 0 && arrived != 0) {
        all[n++] = arrived - sent;
      }
    }
    long[] kept = Arrays.copyOf(all, n);
    Arrays.sort(kept);
    return kept;
  }

  static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }
}
