package dev.llmtail.core.buffer;

import static dev.llmtail.core.TestSpans.endedRoot;
import static dev.llmtail.core.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The buffer's remembered decisions keep {@code decision_cache}'s bounds although their maintenance
 * runs once per deciding pass rather than after every decision.
 */
class DecisionCacheTest {

  private static final Duration QUIET = Duration.ofSeconds(10);
  private static final Duration TTL = Duration.ofMinutes(10);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private TraceBuffer buffer(int decisionCacheSize) {
    DecisionEngine engine =
        new DecisionEngine(
            List.of(new NamedPolicy("all", "test", t -> Verdict.keep("every trace"))),
            Clock.systemUTC(),
            meters);
    return TraceBuffer.builder()
        .settings(
            new BufferSettings(QUIET, Duration.ofMinutes(5), 1000, 1 << 20, decisionCacheSize, TTL))
        .engine(() -> engine)
        .listener(DecisionListener.ofDecided((decision, trace) -> {}))
        .ticker(now::get)
        .meters(meters)
        .build();
  }

  @Test
  void remembersAtMostMaxEntriesDecisionsOnceADecidingPassEnded() {
    TraceBuffer buffer = buffer(10);
    for (long n = 1; n <= 200; n++) {
      buffer.admit(endedRoot(traceId(n)));
    }

    assertThat(buffer.decideAll(DecisionTrigger.SHUTDOWN)).isEqualTo(200);

    long remembered =
        LongStream.rangeClosed(1, 200)
            .filter(n -> buffer.rememberedDecision(traceId(n)).isPresent())
            .count();
    assertThat(remembered).isPositive().isLessThanOrEqualTo(10);
  }

  @Test
  void aDecisionPastItsTtlIsForgottenBeforeAnyMaintenanceRan() {
    TraceBuffer buffer = buffer(1000);
    TraceId id = traceId(1);
    buffer.remember(id, new RememberedDecision(true, "kept elsewhere", 1));
    assertThat(buffer.rememberedDecision(id)).isPresent();

    now.addAndGet(TTL.toNanos() + 1);

    assertThat(buffer.rememberedDecision(id)).isEmpty();
  }

  @Test
  void decisionsRememberedOutsideADecidingPassAreBoundedByTheNextOne() {
    TraceBuffer buffer = buffer(10);
    for (long n = 1; n <= 200; n++) {
      buffer.remember(traceId(n), new RememberedDecision(false, "dropped elsewhere", 1));
    }

    buffer.decideDue();

    long remembered =
        LongStream.rangeClosed(1, 200)
            .filter(n -> buffer.rememberedDecision(traceId(n)).isPresent())
            .count();
    assertThat(remembered).isPositive().isLessThanOrEqualTo(10);
  }
}
