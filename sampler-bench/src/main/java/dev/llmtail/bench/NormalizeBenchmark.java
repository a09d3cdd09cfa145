package dev.llmtail.bench;

import dev.llmtail.core.GenAiFacts;
import dev.llmtail.core.TraceView;
import dev.llmtail.policies.genai.GenAiNormalizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/** GenAI normalisation of the traffic mix, reported per span (all spans, LLM or not). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NormalizeBenchmark {

  /** Spans in one invocation; see {@link #setUp}. */
  static final int SPANS = 4000;

  private List<TraceView> traces;
  private GenAiNormalizer normalizer;

  @Setup
  public void setUp() {
    List<TraceView> all = BenchData.traces();
    int spans = 0;
    int n = 0;
    while (n < all.size() && spans + all.get(n).spanCount() <= SPANS) {
      spans += all.get(n++).spanCount();
    }
    traces = all.subList(0, n);
    normalizer = new GenAiNormalizer(new SimpleMeterRegistry());
    if (spans < SPANS * 9 / 10) {
      throw new IllegalStateException("only " + spans + " spans");
    }
  }

  @Benchmark
  @org.openjdk.jmh.annotations.OperationsPerInvocation(SPANS)
  public void normalisePerSpan(Blackhole bh) {
    for (TraceView t : traces) {
      GenAiFacts facts = normalizer.read(t);
      bh.consume(facts);
    }
  }
}
