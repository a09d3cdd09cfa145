package dev.llmtail.core.buffer;

import static dev.llmtail.core.TestSpans.child;
import static dev.llmtail.core.TestSpans.endedRoot;
import static dev.llmtail.core.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What {@link TraceBuffer#describe} and {@link TraceBuffer#bufferedSpans} tell about a trace that
 * waits for its decision.
 */
class TraceBufferDescribeTest {

  private static final Duration QUIET = Duration.ofSeconds(10);
  private static final Duration MAX_WAIT = Duration.ofMinutes(5);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final TraceBuffer buffer =
      TraceBuffer.builder()
          .settings(
              new BufferSettings(QUIET, MAX_WAIT, 1000, 1 << 20, 1000, Duration.ofMinutes(10)))
          .engine(
              () ->
                  new DecisionEngine(
                      List.of(new NamedPolicy("none", "test", t -> Verdict.noOpinion("never"))),
                      Clock.systemUTC(),
                      new SimpleMeterRegistry()))
          .listener(new FanOutListener(List.of())) // listens to nothing: describe() is under test
          .ticker(now::get)
          .build();

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void traceWithoutEndedRootWaitsForTheHardCap() {
    TraceId id = traceId(1);
    buffer.admit(child(id, 2));
    advance(Duration.ofSeconds(4));

    BufferedTraceInfo info = buffer.describe(id).orElseThrow();
    assertThat(info.spanCount()).isEqualTo(1);
    assertThat(info.rootEnded()).isFalse();
    assertThat(info.sinceFirstSpan()).isEqualTo(Duration.ofSeconds(4));
    assertThat(info.dueIn()).isEqualTo(MAX_WAIT.minusSeconds(4));
    assertThat(info.expectedTrigger()).isEqualTo(DecisionTrigger.MAX_WAIT);
    assertThat(info.maxTraceWait()).isEqualTo(MAX_WAIT);
  }

  @Test
  void traceWithEndedRootWaitsForTheQuietPeriodAfterItsLastSpan() {
    TraceId id = traceId(1);
    buffer.admit(endedRoot(id));
    advance(Duration.ofSeconds(3));
    buffer.admit(child(id, 2));
    advance(Duration.ofSeconds(2));

    BufferedTraceInfo info = buffer.describe(id).orElseThrow();
    assertThat(info.spanCount()).isEqualTo(2);
    assertThat(info.rootEnded()).isTrue();
    assertThat(info.sinceLastSpan()).isEqualTo(Duration.ofSeconds(2));
    assertThat(info.dueIn()).isEqualTo(Duration.ofSeconds(8));
    assertThat(info.expectedTrigger()).isEqualTo(DecisionTrigger.COMPLETE);
    assertThat(info.quietPeriod()).isEqualTo(QUIET);
  }

  @Test
  void decidedOrUnknownTracesAreNotDescribed() {
    TraceId id = traceId(1);
    buffer.admit(endedRoot(id));
    advance(QUIET);
    buffer.decideDue();

    assertThat(buffer.describe(id)).isEmpty();
    assertThat(buffer.describe(traceId(2))).isEmpty();
  }

  @Test
  void bufferedSpansAreReadWithoutTakingThemFromTheTrace() {
    TraceId id = traceId(1);
    buffer.admit(child(id, 2));
    buffer.admit(endedRoot(id));

    TraceView seen = buffer.bufferedSpans(id).orElseThrow();
    assertThat(seen.spanCount()).isEqualTo(2);
    assertThat(buffer.bufferedSpans(id).orElseThrow().spanCount())
        .as("reading twice finds the same spans")
        .isEqualTo(2);

    advance(QUIET);
    assertThat(buffer.decideDue()).isEqualTo(1);
    assertThat(buffer.bufferedSpans(id)).as("decided: no longer buffered").isEmpty();
    assertThat(buffer.bufferedSpans(traceId(2))).isEmpty();
  }
}
