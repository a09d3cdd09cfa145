package dev.llmtail.core.status;

import static dev.llmtail.core.TestSpans.child;
import static dev.llmtail.core.TestSpans.endedRoot;
import static dev.llmtail.core.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.buffer.BufferSettings;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.FanOutListener;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.log.DecisionLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One trace's way through llmtail, as {@link TraceStatusLookup} reports it at each step. */
class TraceStatusLookupTest {

  private static final Duration QUIET = Duration.ofSeconds(10);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);

  /** Holds one record: deciding a second trace forgets the first. */
  private final DecisionLog log = new DecisionLog(1, Duration.ofHours(1), false, clock);

  private final TraceBuffer buffer = keepAllBuffer(log, Duration.ofHours(2));

  /** A buffer that keeps every trace and tells {@code listener}. */
  private TraceBuffer keepAllBuffer(DecisionListener listener, Duration decisionCacheTtl) {
    return TraceBuffer.builder()
        .settings(
            new BufferSettings(QUIET, Duration.ofMinutes(5), 100, 1 << 20, 100, decisionCacheTtl))
        .engine(
            () ->
                new DecisionEngine(
                    List.of(new NamedPolicy("all", "test", t -> Verdict.keep("all"))),
                    clock,
                    new SimpleMeterRegistry()))
        .listener(listener)
        .ticker(now::get)
        .build();
  }

  private final TraceStatusLookup lookup = new TraceStatusLookup(buffer, log);

  @Test
  void followsATraceFromNeverSeenThroughBufferedAndDecidedToForgotten() {
    TraceId id = traceId(1);
    assertThat(lookup.status(id)).isInstanceOf(TraceStatus.NeverSeen.class);

    buffer.admit(endedRoot(id));
    TraceStatus buffered = lookup.status(id);
    assertThat(buffered).isInstanceOf(TraceStatus.Buffered.class);
    assertThat(((TraceStatus.Buffered) buffered).trace().expectedTrigger())
        .isEqualTo(DecisionTrigger.COMPLETE);

    now.addAndGet(QUIET.toNanos());
    buffer.decideDue();
    TraceStatus decided = lookup.status(id);
    assertThat(decided).isInstanceOf(TraceStatus.Decided.class);
    assertThat(((TraceStatus.Decided) decided).record().decision().kept()).isTrue();

    buffer.admit(endedRoot(traceId(2)));
    now.addAndGet(QUIET.toNanos());
    buffer.decideDue();
    TraceStatus forgotten = lookup.status(id);
    assertThat(forgotten).isInstanceOf(TraceStatus.Forgotten.class);
    assertThat(((TraceStatus.Forgotten) forgotten).logMaxEntries()).isEqualTo(1);
  }

  @Test
  void aDecisionOnlyTheBufferRemembersIsRememberedOnly() {
    TraceBuffer withoutLog = keepAllBuffer(new FanOutListener(List.of()), QUIET);
    TraceId id = traceId(3);
    withoutLog.admit(child(id, 2));
    withoutLog.decideAll(DecisionTrigger.SHUTDOWN);

    TraceStatus status = new TraceStatusLookup(withoutLog, log).status(id);
    assertThat(status).isInstanceOf(TraceStatus.RememberedOnly.class);
    assertThat(((TraceStatus.RememberedOnly) status).decision().kept()).isTrue();
  }
}
