package dev.llmtail.bench;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.policies.genai.GenAiNormalizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
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
 * One decided trace of the mix inserted into the {@link DecisionLog}, with the log full (smaller
 * than the number of distinct traces, so every insert also evicts), as in a long-running llmtail.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DecisionLogBenchmark {

  private final List<TraceView> traces = new ArrayList<>();
  private final List<Decision> decisions = new ArrayList<>();
  private DecisionLog log;
  private int next;

  @Setup
  public void setUp() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    GenAiNormalizer normalizer = new GenAiNormalizer(meters);
    DecisionEngine engine =
        new DecisionEngine(BenchData.shippedPolicies(), Clock.systemUTC(), meters);
    for (TraceView raw : BenchData.traces()) {
      TraceView t = raw.withGenAi(normalizer);
      traces.add(t);
      decisions.add(engine.decide(t, DecisionTrigger.COMPLETE));
    }
    log = new DecisionLog(traces.size() / 2, Duration.ofHours(1), false, Clock.systemUTC());
    for (int i = 0; i < traces.size(); i++) {
      log.onDecided(decisions.get(i), traces.get(i));
    }
  }

  @Benchmark
  public int insert() {
    next = (next + 1) % traces.size();
    log.onDecided(decisions.get(next), traces.get(next));
    return next;
  }
}
