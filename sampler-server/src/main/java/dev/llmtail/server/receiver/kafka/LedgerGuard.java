package dev.llmtail.server.receiver.kafka;

import dev.llmtail.core.Decision;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import io.micrometer.core.instrument.Counter;

/** The listener {@link OffsetLedger#guard} wraps around the exporter: settles or hands back. */
final class LedgerGuard implements DecisionListener {

  private final OffsetLedger ledger;
  private final DecisionListener exporter;
  private final Counter handedBack;

  LedgerGuard(OffsetLedger ledger, DecisionListener exporter, Counter handedBack) {
    this.ledger = ledger;
    this.exporter = exporter;
    this.handedBack = handedBack;
  }

  @Override
  public void onDecided(Decision decision, TraceView trace) {
    TraceId id = trace.traceId();
    if (ledger.release(id)) {
      handedBack.increment(trace.spanCount());
      return;
    }
    ledger.recordOutcome(id, decision);
    if (decision.kept()) {
      // Before the hand-off: the exporter may deliver, and call delivered(), at once.
      ledger.awaitDelivery(id);
    }
    boolean handedOff = false;
    try {
      exporter.onDecided(decision, trace);
      handedOff = true;
    } finally {
      if (!handedOff) {
        // A failing exporter counts its own failure; an unsettled trace would stop commits.
        ledger.settleFailed(id);
      } else if (!decision.kept()) {
        ledger.settle(id);
      }
    }
  }

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
    if (ledger.isDisowned(fragment.traceId())) {
      handedBack.increment(fragment.spanCount());
      return;
    }
    try {
      exporter.onLateSpans(decision, fragment);
    } finally {
      ledger.settleUnlessAwaited(fragment.traceId());
    }
  }

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {
    if (ledger.isDisowned(fragment.traceId())) {
      return;
    }
    try {
      exporter.onLateLogs(decision, fragment);
    } finally {
      ledger.settleUnlessAwaited(fragment.traceId());
    }
  }
}
