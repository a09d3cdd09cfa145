package dev.llmtail.bench;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.TraceView;
import dev.llmtail.policies.genai.GenAiNormalizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The shipped policy set ({@code config/llmtail.yaml}) deciding one trace of the mix, its GenAI
 * facts already extracted (as the buffer hands it over), and the same with extraction included.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PolicySetBenchmark {

  private List<TraceView> raw;
  private List<TraceView> normalised;
  private DecisionEngine engine;
  private GenAiNormalizer normalizer;
  private int next;

  @Setup
  public void setUp() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    normalizer = new GenAiNormalizer(meters);
    raw = BenchData.traces();
    normalised = raw.stream().map(t -> t.withGenAi(normalizer)).toList();
    engine = new DecisionEngine(BenchData.shippedPolicies(), Clock.systemUTC(), meters);
  }

  @Benchmark
  public boolean decidePerTrace() {
    next = (next + 1) % normalised.size();
    return engine.decide(normalised.get(next), DecisionTrigger.COMPLETE).kept();
  }

  @Benchmark
  public boolean normaliseAndDecidePerTrace() {
    next = (next + 1) % raw.size();
    return engine.decide(raw.get(next).withGenAi(normalizer), DecisionTrigger.COMPLETE).kept();
  }
}
