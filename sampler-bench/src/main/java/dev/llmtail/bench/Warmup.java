package dev.llmtail.bench;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Sends traffic to a fresh llmtail until its JIT compilers have settled, so that the measured
 * window does not pay for compiling: at least a minimum, then in {@link #SLICE_SECONDS}-second
 * slices until the compiler threads used at most a given share of the process's CPU time, or at
 * most 1 % of a core, in the last slice, or until a cap.
 *
 * <p>Where the compiler threads cannot be read (no {@code /proc}), it sends for the minimum only.
 * The share is relative to the process's CPU, not to a core, so a settled llmtail looks the same at
 * any rate: C2 keeps recompiling now and then for as long as the process lives, which an absolute
 * threshold would mistake for unsettled at a high rate.
 */
final class Warmup {

  static final int SLICE_SECONDS = 5;

  /**
   * 1 % of a core: at a low rate llmtail's own CPU is small, and C2 compiles what runs once per
   * trace or batch for minutes; below this the compiler's share is settled whatever it is.
   */
  static final long SETTLED_JIT_NANOS_PER_SECOND = 10_000_000L;

  /**
   * How the warm-up ended.
   *
   * @param seconds how long traffic was sent
   * @param jitShare the compiler threads' share of the process's CPU in the last slice (NaN when
   *     they could not be read)
   * @param settled whether that share fell to the threshold before the cap
   */
  record Result(double seconds, double jitShare, boolean settled) {

    String describe() {
      if (Double.isNaN(jitShare)) {
        return String.format(Locale.ROOT, "warm-up %.0f s", seconds);
      }
      return String.format(
          Locale.ROOT,
          "warm-up %.0f s, JIT %.1f %% of CPU in its last %d s%s",
          seconds,
          100 * jitShare,
          SLICE_SECONDS,
          settled ? "" : " (cap reached, not settled)");
    }
  }

  private Warmup() {}

  /**
   * Sends at {@code spansPerSecond} (0: as fast as possible) for {@code minNanos}, then slice by
   * slice until the JIT's share of CPU in a slice is at most {@code settledShare} or the slices
   * that fit between {@code minNanos} and {@code maxNanos} are done.
   */
  static Result run(
      LoadGenerator generator,
      double spansPerSecond,
      Optional<ThreadCpu> threads,
      long minNanos,
      long maxNanos,
      double settledShare)
      throws InterruptedException {
    long start = System.nanoTime();
    generator.run(start + minNanos, spansPerSecond);
    if (threads.isEmpty()) {
      return new Result((System.nanoTime() - start) / 1e9, Double.NaN, false);
    }
    ThreadCpu cpu = threads.get();
    double share = Double.NaN;
    long slices = (maxNanos - minNanos) / (SLICE_SECONDS * 1_000_000_000L);
    for (long i = 0; i < slices; i++) {
      ThreadCpu.Snapshot from = cpu.snapshot();
      generator.run(System.nanoTime() + SLICE_SECONDS * 1_000_000_000L, spansPerSecond);
      Map<ThreadCpu.Group, Long> slice = cpu.between(from, cpu.snapshot());
      share = jitShare(slice);
      System.out.printf(
          Locale.ROOT,
          "warm-up %.0f s: JIT %.1f %% of llmtail's CPU in the last %d s%n",
          (System.nanoTime() - start) / 1e9,
          100 * share,
          SLICE_SECONDS);
      if (share <= settledShare
          || slice.get(ThreadCpu.Group.JIT) <= SLICE_SECONDS * SETTLED_JIT_NANOS_PER_SECOND) {
        return new Result((System.nanoTime() - start) / 1e9, share, true);
      }
    }
    return new Result((System.nanoTime() - start) / 1e9, share, false);
  }

  static double jitShare(Map<ThreadCpu.Group, Long> nanos) {
    long total = nanos.values().stream().mapToLong(Long::longValue).sum();
    return total == 0 ? 0 : nanos.get(ThreadCpu.Group.JIT) / (double) total;
  }
}
