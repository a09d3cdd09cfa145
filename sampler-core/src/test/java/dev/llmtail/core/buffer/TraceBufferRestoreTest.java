package dev.llmtail.core.buffer;

import static dev.llmtail.core.TestSpans.child;
import static dev.llmtail.core.TestSpans.endedRoot;
import static dev.llmtail.core.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A trace restored from a span log after a restart keeps its decision timing: its quiet period and
 * hard cap run from when its spans first arrived, not from the restart.
 */
class TraceBufferRestoreTest {

  private static final Duration QUIET = Duration.ofSeconds(10);
  private static final Duration MAX_WAIT = Duration.ofMinutes(5);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<Decision> decided = new CopyOnWriteArrayList<>();
  private final TraceBuffer buffer =
      TraceBuffer.builder()
          .settings(
              new BufferSettings(QUIET, MAX_WAIT, 1000, 1 << 20, 1000, Duration.ofMinutes(10)))
          .engine(
              () ->
                  new DecisionEngine(
                      List.of(new NamedPolicy("all", "test", t -> Verdict.keep("all"))),
                      Clock.systemUTC(),
                      new SimpleMeterRegistry()))
          .listener(DecisionListener.ofDecided((decision, trace) -> decided.add(decision)))
          .ticker(now::get)
          .build();

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void restoredTraceIsDecidedWhenItsOriginalQuietPeriodEnds() {
    TraceId id = traceId(1);
    // Accepted 8 s and 7 s before the restart: 3 s of its quiet period are left.
    buffer.restore(endedRoot(id).get(0), Duration.ofSeconds(8));
    buffer.restore(child(id, 2).get(0), Duration.ofSeconds(7));

    assertThat(buffer.describe(id).orElseThrow().dueIn()).isEqualTo(Duration.ofSeconds(3));
    advance(Duration.ofMillis(2_999));
    assertThat(buffer.decideDue()).isZero();
    advance(Duration.ofMillis(1));
    assertThat(buffer.decideDue()).isEqualTo(1);
    assertThat(decided).singleElement().satisfies(d -> assertThat(d.traceId()).isEqualTo(id));
    assertThat(decided.get(0).trigger()).isEqualTo(DecisionTrigger.COMPLETE);
  }

  @Test
  void restoredTraceWhoseTimeRanOutDuringTheRestartIsDecidedAtOnce() {
    TraceId open = traceId(1);
    buffer.restore(child(open, 2).get(0), MAX_WAIT.plusSeconds(30));

    assertThat(buffer.decideDue()).isEqualTo(1);
    assertThat(decided.get(0).trigger()).isEqualTo(DecisionTrigger.MAX_WAIT);
  }

  @Test
  void restoredTraceWithoutEndedRootKeepsItsHardCap() {
    TraceId id = traceId(1);
    buffer.restore(child(id, 2).get(0), Duration.ofMinutes(4));

    assertThat(buffer.describe(id).orElseThrow().dueIn()).isEqualTo(Duration.ofMinutes(1));
    assertThat(buffer.describe(id).orElseThrow().sinceFirstSpan()).isEqualTo(Duration.ofMinutes(4));
  }
}
