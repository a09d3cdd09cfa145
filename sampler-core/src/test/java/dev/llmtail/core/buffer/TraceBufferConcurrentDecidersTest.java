package dev.llmtail.core.buffer;

import static dev.llmtail.core.TestSpans.child;
import static dev.llmtail.core.TestSpans.endedRoot;
import static dev.llmtail.core.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Several scheduler threads may run {@link TraceBuffer#decideDue} at once, as the sidecar does. */
class TraceBufferConcurrentDecidersTest {

  private static final Duration QUIET = Duration.ofSeconds(10);

  @Test
  void concurrentDecideDueDecidesEveryDueTraceExactlyOnce() throws Exception {
    AtomicLong now = new AtomicLong(1_000_000_000L);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Map<TraceId, AtomicInteger> decided = new ConcurrentHashMap<>();
    DecisionListener listener =
        DecisionListener.ofDecided(
            (decision, trace) ->
                decided
                    .computeIfAbsent(trace.traceId(), id -> new AtomicInteger())
                    .incrementAndGet());
    DecisionEngine engine =
        new DecisionEngine(
            List.of(new NamedPolicy("all", "test", t -> Verdict.keep("all"))),
            Clock.systemUTC(),
            meters);
    TraceBuffer buffer =
        TraceBuffer.builder()
            .settings(
                new BufferSettings(
                    QUIET,
                    Duration.ofMinutes(5),
                    100_000,
                    1L << 30,
                    10_000,
                    Duration.ofMinutes(10)))
            .engine(() -> engine)
            .listener(listener)
            .ticker(now::get)
            .meters(meters)
            .build();
    int traces = 3000;
    for (int i = 1; i <= traces; i++) {
      buffer.admit(child(traceId(i), 2));
      buffer.admit(endedRoot(traceId(i)));
    }
    now.addAndGet(QUIET.toNanos());

    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger counted = new AtomicInteger();
    try {
      List<Future<?>> work =
          java.util.stream.IntStream.range(0, threads)
              .<Future<?>>mapToObj(
                  t ->
                      pool.submit(
                          () -> {
                            start.await();
                            counted.addAndGet(buffer.decideDue());
                            return null;
                          }))
              .toList();
      start.countDown();
      for (Future<?> f : work) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(counted.get()).isEqualTo(traces);
    assertThat(decided).hasSize(traces);
    assertThat(decided.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    assertThat(buffer.bufferedTraces()).isZero();
    assertThat(buffer.bufferedBytes()).isZero();
  }
}
