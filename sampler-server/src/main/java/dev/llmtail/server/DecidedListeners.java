package dev.llmtail.server;

import dev.llmtail.core.buffer.FanOutListener;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.metrics.DecisionMetrics;
import dev.llmtail.core.metrics.LlmUsageAtDecision;
import dev.llmtail.core.metrics.LlmUsageMetrics;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.server.admin.KeptSpans;
import dev.llmtail.server.exporter.KeptTraceForwarder;
import dev.llmtail.server.exporter.KeptTraceForwarder.Delivered;
import dev.llmtail.server.exporter.SpanExporter;
import dev.llmtail.server.promotion.ConversationKeeper;
import dev.llmtail.server.promotion.LateEvidence;
import dev.llmtail.server.promotion.TracePromoter;
import dev.llmtail.server.receiver.kafka.OffsetLedger;
import dev.llmtail.server.storage.SpanLog;
import dev.llmtail.server.storage.SpanLogDecisions;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/** Wires the listeners every decision goes to, in the order they must see it. */
final class DecidedListeners {

  private DecidedListeners() {}

  /**
   * Usage metrics, span log, exporter, decision log, kept spans, decision metrics, late evidence
   * and conversations; with {@code offsets}, a kept trace's offsets commit once it is delivered.
   */
  static FanOutListener of(
      LlmUsageMetrics llmUsage,
      GenAiNormalizer genAi,
      SpanLog spanLog,
      SpanExporter exporter,
      @Nullable OffsetLedger offsets,
      DecisionLog decisionLog,
      KeptSpans keptSpans,
      AtomicReference<TracePromoter> promoter,
      ConversationKeeper conversations,
      MeterRegistry meters) {
    return new FanOutListener(
        List.of(
            // First: by the time a decision is counted, its usage is too.
            new LlmUsageAtDecision(llmUsage, genAi),
            // Before the forwarder: the decision is on disk before export settles it.
            new SpanLogDecisions(spanLog),
            new KeptTraceForwarder(
                exporter,
                Delivered.of(
                    offsets == null
                        ? spanLog::spansDelivered
                        : (id, spans) -> {
                          spanLog.spansDelivered(id, spans);
                          // A kept trace's offsets are committed once its spans are delivered.
                          offsets.delivered(id);
                        },
                    spanLog::logsDelivered),
                meters),
            decisionLog,
            keptSpans,
            new DecisionMetrics(meters),
            // Last: a promotion exports the trace through the listeners above.
            new LateEvidence(id -> Objects.requireNonNull(promoter.get()).weighLateEvidence(id)),
            conversations));
  }
}
