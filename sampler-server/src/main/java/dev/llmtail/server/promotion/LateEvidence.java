package dev.llmtail.server.promotion;

import dev.llmtail.core.Decision;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import java.util.function.Consumer;

/**
 * Hands spans and log records that arrive for a dropped trace to {@link
 * TracePromoter#weighLateEvidence}: an evaluation, a feedback span or an error that comes after the
 * decision may still keep the trace. Listens after the exporter's forwarder, so the late spans are
 * counted dropped before a promotion counts the whole trace in again.
 */
public final class LateEvidence implements DecisionListener {

  private final Consumer<TraceId> weigh;

  /**
   * @param weigh {@link TracePromoter#weighLateEvidence} of the running promoter
   */
  public LateEvidence(Consumer<TraceId> weigh) {
    this.weigh = weigh;
  }

  @Override
  public void onDecided(Decision decision, TraceView trace) {}

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
    if (!decision.kept()) {
      weigh.accept(fragment.traceId());
    }
  }

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {
    if (!decision.kept()) {
      weigh.accept(fragment.traceId());
    }
  }
}
