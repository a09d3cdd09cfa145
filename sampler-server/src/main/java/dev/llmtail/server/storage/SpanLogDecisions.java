package dev.llmtail.server.storage;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;

/**
 * Tells the span log what became of each trace: a dropped trace's spans start their retention, a
 * kept one's wait until the exporter settled them ({@link SpanLog#spansDelivered}, {@link
 * SpanLog#logsDelivered}). Listens before the exporter's forwarder, so that the decision is on disk
 * before the exporter can settle it.
 */
public final class SpanLogDecisions implements DecisionListener {

  private final SpanLog log;

  public SpanLogDecisions(SpanLog log) {
    this.log = log;
  }

  @Override
  public void onDecided(Decision decision, TraceView trace) {
    log.decided(
        trace.traceId(),
        new RememberedDecision(decision.kept(), decision.reason(), decision.adjustedCount()),
        decision.trigger() == DecisionTrigger.PROMOTED);
  }

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {}

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {}
}
