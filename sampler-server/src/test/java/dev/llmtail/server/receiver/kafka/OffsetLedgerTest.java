package dev.llmtail.server.receiver.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetLedgerTest {

  private static final TopicPartition SPANS_0 = new TopicPartition("otlp_spans", 0);
  private static final TraceId A = new TraceId(1, 1);
  private static final TraceId B = new TraceId(2, 2);
  private static final TraceId C = new TraceId(3, 3);

  private final OffsetLedger ledger =
      new OffsetLedger(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  private final List<TraceId> exported = new ArrayList<>();
  private final DecisionListener guarded =
      ledger.guard(
          new DecisionListener() {
            @Override
            public void onDecided(Decision decision, TraceView trace) {
              exported.add(trace.traceId());
            }

            @Override
            public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
              exported.add(fragment.traceId());
            }

            @Override
            public void onLateLogs(RememberedDecision decision, LogFragment fragment) {
              exported.add(fragment.traceId());
            }
          });

  /** Decides {@code trace} as dropped. */
  private void decide(TraceId trace) {
    guarded.onDecided(decision(trace, false), TraceView.of(trace, List.of()));
  }

  /** Decides {@code trace} as kept: handed to the exporter, not delivered yet. */
  private void keep(TraceId trace) {
    guarded.onDecided(decision(trace, true), TraceView.of(trace, List.of()));
  }

  private static Decision decision(TraceId trace, boolean kept) {
    return new Decision(
        trace,
        kept,
        kept ? "kept by errors" : "no policy matched",
        1,
        DecisionTrigger.COMPLETE,
        Instant.EPOCH,
        List.of());
  }

  private long commitPoint() {
    Map<TopicPartition, OffsetAndMetadata> points = ledger.commitPoints(List.of(SPANS_0));
    return points.get(SPANS_0).offset();
  }

  @Test
  void commitPointStaysOnTheOldestRecordOfAnUndecidedTrace() {
    ledger.track(SPANS_0, 10, List.of(A));
    ledger.track(SPANS_0, 11, List.of(B));
    ledger.track(SPANS_0, 12, List.of(A));
    assertThat(commitPoint()).isEqualTo(10);

    decide(B);
    assertThat(commitPoint()).as("A's first record still holds it back").isEqualTo(10);

    decide(A);
    assertThat(commitPoint()).as("everything read is decided").isEqualTo(13);
    assertThat(exported).containsExactly(B, A);
  }

  @Test
  void aKeptTraceHoldsTheCommitBackUntilTheExporterDeliveredIt() {
    ledger.track(SPANS_0, 10, List.of(A));
    ledger.track(SPANS_0, 11, List.of(B));
    keep(A);
    decide(B);
    assertThat(exported).containsExactly(A, B);
    assertThat(commitPoint())
        .as("A is in the exporter's queue: a crash now would lose it past a commit")
        .isEqualTo(10);

    ledger.track(SPANS_0, 12, List.of(A)); // a late span of A, while A waits for delivery
    guarded.onLateSpans(null, lateSpanOf(A));
    assertThat(commitPoint()).isEqualTo(10);

    ledger.delivered(A);
    assertThat(commitPoint()).as("delivered: its records and its late span settle").isEqualTo(13);
  }

  @Test
  void aKeptTraceNotDeliveredWhenItsPartitionIsRevokedIsCountedAsRedelivered() {
    ledger.track(SPANS_0, 10, List.of(A));
    keep(A);
    assertThat(ledger.revoke(List.of(SPANS_0)))
        .as("the new owner re-reads A and exports it too")
        .isEqualTo(1);
    assertThat(ledger.disownedTraces()).as("its decision was already handed off").isZero();
    ledger.delivered(A);
    assertThat(ledger.commitPoints(List.of(SPANS_0))).isEmpty();
  }

  private static TraceFragment lateSpanOf(TraceId trace) {
    dev.llmtail.testing.TraceBuilder late = dev.llmtail.testing.TraceBuilder.trace(trace.toHex());
    late.child("chat gpt-4o");
    return dev.llmtail.core.ingest.TraceGrouper.group(late.request().getResourceSpansList())
        .fragments()
        .get(0);
  }

  @Test
  void theCommitCarriesTheOutcomeOfKeptTracesForTheNextOwner() {
    ledger.track(SPANS_0, 10, List.of(A));
    ledger.track(SPANS_0, 11, List.of(B));
    guarded.onDecided(
        new Decision(
            B, true, "kept by baseline", 20, DecisionTrigger.COMPLETE, Instant.EPOCH, List.of()),
        TraceView.of(B, List.of()));
    ledger.delivered(B);
    OffsetAndMetadata committed = ledger.commitPoints(List.of(SPANS_0)).get(SPANS_0);
    assertThat(committed.metadata()).isEqualTo("llmtail2;12;" + B.toHex() + "+20,");

    OffsetLedger next =
        new OffsetLedger(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    assertThat(next.resume(SPANS_0, committed))
        .containsExactly(
            Map.entry(B, new RememberedDecision(true, OffsetLedger.INHERITED_KEPT, 20)));
    assertThat(next.resume(SPANS_0, new OffsetAndMetadata(10, "llmtail1;12;" + B.toHex() + ",")))
        .as("an older llmtail's commit: B is skipped, its outcome unknown")
        .isEmpty();
    assertThat(next.alreadyDecided(SPANS_0, 11, List.of(B))).isTrue();
  }

  @Test
  void recordsWithoutTracesDoNotHoldTheCommitBack() {
    ledger.track(SPANS_0, 0, List.of());
    assertThat(commitPoint()).isEqualTo(1);
    assertThat(ledger.commitPoints(List.of(new TopicPartition("otlp_spans", 1)))).isEmpty();
  }

  @Test
  void revokedPartitionsUndecidedTracesAreNotExportedAndOnesDecidedAfterTheCommitAreCounted() {
    ledger.track(SPANS_0, 10, List.of(A));
    ledger.track(SPANS_0, 11, List.of(B));
    ledger.track(SPANS_0, 12, List.of(C));

    assertThat(commitPoint()).isEqualTo(10);
    decide(B); // after the commit was built, before the revocation: not listed in it
    assertThat(ledger.revoke(List.of(SPANS_0)))
        .as("B was decided here and lies past the commit point: the next owner decides it again")
        .isEqualTo(1);
    assertThat(ledger.disownedTraces()).isEqualTo(2);

    decide(A);
    decide(C);
    assertThat(exported).containsExactly(B);
    assertThat(ledger.disownedTraces()).isZero();
    assertThat(ledger.commitPoints(List.of(SPANS_0))).isEmpty();
  }

  @Test
  void aTraceWhosePartitionComesBackBeforeItsDecisionIsExportedAfterAll() {
    ledger.track(SPANS_0, 10, List.of(A));
    ledger.revoke(List.of(SPANS_0));
    ledger.track(SPANS_0, 10, List.of(A));

    decide(A);

    assertThat(exported).containsExactly(A);
    assertThat(commitPoint()).isEqualTo(11);
  }

  @Test
  void theNextOwnerSkipsMessagesOfTracesThePreviousOwnerDecidedPastTheCommit() {
    ledger.track(SPANS_0, 10, List.of(A));
    ledger.track(SPANS_0, 11, List.of(B));
    ledger.track(SPANS_0, 12, List.of(B));
    decide(B);
    OffsetAndMetadata committed = ledger.commitPoints(List.of(SPANS_0)).get(SPANS_0);
    assertThat(committed.offset()).isEqualTo(10);
    assertThat(ledger.revoke(List.of(SPANS_0)))
        .as("B is listed in the commit: the next owner will not decide it again")
        .isZero();

    OffsetLedger next =
        new OffsetLedger(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    assertThat(next.resume(SPANS_0, committed))
        .as("B's later spans follow its decision on the next owner")
        .containsExactly(
            Map.entry(B, new RememberedDecision(false, OffsetLedger.INHERITED_DROPPED, 1)));
    assertThat(next.alreadyDecided(SPANS_0, 10, List.of(A))).isFalse();
    next.track(SPANS_0, 10, List.of(A));
    assertThat(next.alreadyDecided(SPANS_0, 11, List.of(B))).isTrue();
    next.trackDecided(SPANS_0, 11, List.of(B));
    assertThat(next.alreadyDecided(SPANS_0, 13, List.of(B)))
        .as("past the previous owner's position B's messages are late spans")
        .isFalse();
    OffsetAndMetadata nextCommit = next.commitPoints(List.of(SPANS_0)).get(SPANS_0);
    assertThat(nextCommit.offset()).isEqualTo(10);
    assertThat(nextCommit.metadata()).as("still listed for the owner after").contains(B.toHex());
  }
}
