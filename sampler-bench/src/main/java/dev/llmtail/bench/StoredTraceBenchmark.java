package dev.llmtail.bench;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.BufferSettings;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.TraceFragment;
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
 * A buffered mix trace (about 10 spans) read back as its policies see it: its stored fragments
 * decoded into messages and wrapped in a {@code TraceView}, the decision's first step, without the
 * normaliser and the policies ({@link NormalizeBenchmark}, {@link PolicySetBenchmark}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StoredTraceBenchmark {

  private TraceBuffer buffer;
  private List<TraceId> traces;
  private int next;

  @Setup
  public void setUp() {
    buffer =
        TraceBuffer.builder()
            .settings(
                new BufferSettings(
                    Duration.ofHours(1),
                    Duration.ofHours(1),
                    100_000,
                    1L << 30,
                    1_000,
                    Duration.ofMinutes(10)))
            .engine(
                () -> new DecisionEngine(List.of(), Clock.systemUTC(), new SimpleMeterRegistry()))
            .listener(DecisionListener.ofDecided((decision, trace) -> {}))
            .build();
    traces = new ArrayList<>();
    for (byte[] request : BenchData.requests()) {
      List<TraceFragment> fragments = BenchData.slice(request).group().fragments();
      buffer.admit(fragments);
      fragments.forEach(f -> traces.add(f.traceId()));
    }
  }

  @Benchmark
  public int readTrace() {
    next = (next + 1) % traces.size();
    return buffer.bufferedSpans(traces.get(next)).orElseThrow().spanCount();
  }
}
