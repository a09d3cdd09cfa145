package dev.llmtail.bench;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceGrouper;
import dev.llmtail.policies.genai.GenAiNormalizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.util.ArrayList;
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

  /**
   * Prints CPU ns per span for normalisation and per trace for the shipped policy set; the
   * arguments are the seconds measured per figure (5) and the input, {@code mix} (the default) or
   * {@code llm}.
   */
  public static void main(String[] args) {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : 5;
    String input = args.length > 1 ? args[1] : "mix";
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    GenAiNormalizer normalizer = new GenAiNormalizer(meters);
    List<TraceView> raw =
        switch (input) {
          case "mix" -> BenchData.traces();
          case "llm" -> llmTraces();
          default ->
              throw new IllegalArgumentException(
                  "input: " + input + " (expected: mix or llm, as in --inputs)");
        };
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
          "%s, %s input: GenAI normalisation %.0f CPU ns/span, %.0f B allocated/span; shipped policy set %.1f CPU us/trace, %.0f B allocated/trace%n",
          label,
          input,
          perSpan,
          allocatedPerOp(spans, normalise),
          perTrace / 1000,
          allocatedPerOp(normalised.size(), decide));
    }
  }

  /**
   * The LLM-shaped input of {@code --inputs=llm}, as many requests as {@link BenchData#traces} has
   * of the mix, grouped into traces as the buffer hands them to the engine.
   */
  private static List<TraceView> llmTraces() {
    List<TraceView> views = new ArrayList<>();
    long seq = 1;
    for (TrafficMix.Template t : TrafficMix.llm(BenchData.REQUESTS, 50, 7)) {
      for (TraceFragment f :
          TraceGrouper.group(BenchData.parse(t.stamp(seq)).getResourceSpansList()).fragments()) {
        views.add(TraceView.of(f.traceId(), List.of(f.spans())));
      }
      seq += t.traces();
    }
    return views;
  }

  /** Bytes allocated by this thread per operation: unlike time, not disturbed by other tenants. */
  static double allocatedPerOp(int opsPerPass, IntSupplier pass) {
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

  /**
   * Thread CPU ns per operation of {@code pass} (each {@code opsPerPass} operations), over {@code
   * seconds}.
   */
  static double cpuPerOp(long seconds, int opsPerPass, IntSupplier pass) {
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
