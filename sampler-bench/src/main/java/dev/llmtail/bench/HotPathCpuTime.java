package dev.llmtail.bench;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.TraceView;
import dev.llmtail.policies.genai.GenAiNormalizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * The JMH hot paths measured in thread CPU time instead of wall time: on a shared machine whose
 * other tenants preempt the benchmark, CPU nanoseconds per operation stay comparable where JMH's
 * wall-clock scores do not. Used for before/after comparisons of a fix; JMH remains the reference.
 */
public final class HotPathCpuTime {

  private HotPathCpuTime() {}

  /** Prints CPU ns per span for normalisation and per trace for the shipped policy set. */
  public static void main(String[] args) {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : 5;
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    GenAiNormalizer normalizer = new GenAiNormalizer(meters);
    List<TraceView> raw = BenchData.traces();
    List<TraceView> normalised = raw.stream().map(t -> t.withGenAi(normalizer)).toList();
    DecisionEngine engine =
        new DecisionEngine(BenchData.shippedPolicies(), Clock.systemUTC(), meters);
    int spans = raw.stream().mapToInt(TraceView::spanCount).sum();
    for (int round = 0; round < 2; round++) {
      String label = round == 0 ? "warm-up" : "measured";
      double perSpan =
          cpuPerOp(
              seconds,
              spans,
              () -> {
                int n = 0;
                for (TraceView t : raw) {
                  n += normalizer.read(t).calls().size();
                }
                return n;
              });
      double perTrace =
          cpuPerOp(
              seconds,
              normalised.size(),
              () -> {
                int kept = 0;
                for (TraceView t : normalised) {
                  kept += engine.decide(t, DecisionTrigger.COMPLETE).kept() ? 1 : 0;
                }
                return kept;
              });
      IntSupplier normalise =
          () -> {
            int n = 0;
            for (TraceView t : raw) {
              n += normalizer.read(t).calls().size();
            }
            return n;
          };
      IntSupplier decide =
          () -> {
            int kept = 0;
            for (TraceView t : normalised) {
              kept += engine.decide(t, DecisionTrigger.COMPLETE).kept() ? 1 : 0;
            }
            return kept;
          };
      System.out.printf(
          Locale.ROOT,
          "%s: GenAI normalisation %.0f CPU ns/span, %.0f B allocated/span; shipped policy set %.1f CPU us/trace, %.0f B allocated/trace%n",
          label,
          perSpan,
          allocatedPerOp(spans, normalise),
          perTrace / 1000,
          allocatedPerOp(normalised.size(), decide));
    }
  }

  /** Bytes allocated by this thread per operation: unlike time, not disturbed by other tenants. */
  private static double allocatedPerOp(int opsPerPass, IntSupplier pass) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(id);
    int sink = 0;
    for (int i = 0; i < 20; i++) {
      sink += pass.getAsInt();
    }
    long bytes = threads.getThreadAllocatedBytes(id) - before;
    return sink == Integer.MIN_VALUE ? 0 : bytes / (20.0 * opsPerPass);
  }

  private static double cpuPerOp(long seconds, int opsPerPass, IntSupplier pass) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long cpu0 = threads.getCurrentThreadCpuTime();
    long ops = 0;
    long sink = 0;
    while (System.nanoTime() < end) {
      sink += pass.getAsInt();
      ops += opsPerPass;
    }
    long cpu = threads.getCurrentThreadCpuTime() - cpu0;
    return sink == Long.MIN_VALUE ? 0 : cpu / (double) ops;
  }
}
