package dev.llmtail.core.buffer;

import static dev.llmtail.core.TestSpans.child;
import static dev.llmtail.core.TestSpans.endedRoot;
import static dev.llmtail.core.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.ingest.TraceFragment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A fragment whose stored bytes do not parse (a bug: receivers check every fragment) neither stops
 * the decider nor takes the trace's other fragments with it: it is counted and left out.
 */
class TraceBufferUnreadableFragmentTest {

  private static final Duration QUIET = Duration.ofSeconds(10);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<TraceView> decided = new CopyOnWriteArrayList<>();

  private TraceBuffer buffer() {
    DecisionEngine keepAll =
        new DecisionEngine(
            List.of(new NamedPolicy("all", "test", t -> Verdict.keep("everything"))),
            Clock.systemUTC(),
            meters);
    return TraceBuffer.builder()
        .settings(
            new BufferSettings(
                QUIET, Duration.ofMinutes(5), 1000, 1 << 20, 1000, Duration.ofMinutes(10)))
        .engine(() -> keepAll)
        .listener(DecisionListener.ofDecided((decision, trace) -> decided.add(trace)))
        .ticker(now::get)
        .meters(meters)
        .build();
  }

  @Test
  void decidesTheTraceOnItsReadableFragmentsAndCountsTheOther() {
    TraceBuffer buffer = buffer();
    TraceId id = traceId(1);
    buffer.admit(child(id, 2));
    // Wire type 7 does not exist: no protobuf parser reads these bytes.
    buffer.admit(List.of(new TraceFragment(id, new byte[] {0x0F, 0x01}, 1, false)));
    buffer.admit(endedRoot(id));
    buffer.admit(endedRoot(traceId(2)));

    now.addAndGet(QUIET.toNanos());
    assertThat(buffer.decideDue()).isEqualTo(2);

    assertThat(decided).extracting(TraceView::traceId).containsExactly(id, traceId(2));
    assertThat(decided.get(0).spanCount()).as("the two readable fragments' spans").isEqualTo(2);
    assertThat(decided.get(0).encodedFragments()).hasSize(2);
    assertThat(meters.counter("llmtail.buffer.fragments.unreadable").count()).isEqualTo(1);
  }
}
