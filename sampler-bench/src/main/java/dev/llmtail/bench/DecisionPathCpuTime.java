package dev.llmtail.bench;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.buffer.FanOutListener;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.metrics.DecisionMetrics;
import dev.llmtail.core.metrics.LlmUsageAtDecision;
import dev.llmtail.core.metrics.LlmUsageMetrics;
import dev.llmtail.policies.genai.GenAiNormalizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The whole decision path of the mix input on one thread, in CPU time and allocated bytes per span:
 * fragments admitted to a {@link TraceBuffer} on the heap, then every trace decided as the
 * sidecar's deciders do — read back and decoded, normalised, decided by the shipped policy set,
 * remembered, and told to the decision log and the decision and usage metrics. {@link
 * HotPathCpuTime} measures the normaliser and the policy set alone; the difference is the buffer,
 * the decode and the listeners.
 */
public final class DecisionPathCpuTime {

  /** Passes of distinct traces in a cycle (about 2.4 MB of fragments each). */
  private static final int PASSES = 30;

  private static int next;

  private DecisionPathCpuTime() {}

  /** Prints CPU ns and allocated bytes per span; the argument is the seconds measured (5). */
  public static void main(String[] args) {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : 5;
    // Distinct trace ids in every pass of a cycle, and a decision cache that forgot a pass's
    // traces long before the cycle repeats them: each pass decides new traces.
    List<List<List<TraceFragment>>> passes = new ArrayList<>();
    List<TrafficMix.Template> templates = TrafficMix.build(BenchData.REQUESTS, 50, 7);
    long seq = 1;
    int spans = 0;
    for (int p = 0; p < PASSES; p++) {
      List<List<TraceFragment>> pass = new ArrayList<>();
      spans = 0;
      for (TrafficMix.Template t : templates) {
        List<TraceFragment> fragments = BenchData.slice(t.stamp(seq)).group().fragments();
        seq += t.traces();
        pass.add(fragments);
        for (TraceFragment f : fragments) {
          spans += f.spanCount();
        }
      }
      passes.add(pass);
    }
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    GenAiNormalizer normalizer = new GenAiNormalizer(meters);
    DecisionEngine engine =
        new DecisionEngine(BenchData.shippedPolicies(), Clock.systemUTC(), meters);
    DecisionLog log = new DecisionLog(50_000, Duration.ofHours(1), false, Clock.systemUTC());
    TraceBuffer buffer =
        TraceBuffer.builder()
            .settings(BenchData.bufferSettings())
            .engine(() -> engine)
            .genAi(normalizer)
            .listener(
                new FanOutListener(
                    List.of(
                        new LlmUsageAtDecision(new LlmUsageMetrics(meters), normalizer),
                        log,
                        new DecisionMetrics(meters))))
            .meters(meters)
            .build();
    for (int round = 0; round < 2; round++) {
      double cpu = HotPathCpuTime.cpuPerOp(seconds, spans, () -> pass(buffer, passes));
      double bytes = HotPathCpuTime.allocatedPerOp(spans, () -> pass(buffer, passes));
      System.out.printf(
          Locale.ROOT,
          "%s, mix input: admit and decide %.0f CPU ns/span, %.0f B allocated/span%n",
          round == 0 ? "warm-up" : "measured",
          cpu,
          bytes);
    }
  }

  /** Admits every request of the next pass, then decides every trace; returns how many. */
  private static int pass(TraceBuffer buffer, List<List<List<TraceFragment>>> passes) {
    List<List<TraceFragment>> requests = passes.get(Math.floorMod(next++, passes.size()));
    for (List<TraceFragment> request : requests) {
      buffer.admit(request);
    }
    return buffer.decideAll(DecisionTrigger.COMPLETE);
  }
}
