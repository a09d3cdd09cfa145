package dev.llmtail.server;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.llmtail.core.buffer.FanOutListener;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.metrics.DecisionMetrics;
import dev.llmtail.core.metrics.LlmUsageAtDecision;
import dev.llmtail.core.metrics.LlmUsageMetrics;
import dev.llmtail.policies.PriceTable;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.server.admin.KeptSpans;
import dev.llmtail.server.config.LlmtailConfig;
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
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The listeners every decision goes to, in the order they must see it ({@link #listener}), and the
 * parts of them the sidecar also uses elsewhere: the decision log and kept spans ({@code /debug}),
 * the usage metrics, the normaliser, the conversation keeper (the buffer's revision) and the
 * promoter the late evidence goes to, set once the buffer it promotes in exists.
 */
record DecidedListeners(
    FanOutListener listener,
    DecisionLog decisionLog,
    LlmUsageMetrics llmUsage,
    GenAiNormalizer genAi,
    KeptSpans keptSpans,
    ConversationKeeper conversations,
    AtomicReference<TracePromoter> promoter) {

  /**
   * Wires the listeners of {@code config}; with {@code offsets}, a kept trace's offsets commit once
   * it is delivered.
   */
  static DecidedListeners wire(
      LlmtailConfig config,
      SpanLog spanLog,
      SpanExporter exporter,
      @Nullable OffsetLedger offsets,
      MeterRegistry meters,
      Clock clock) {
    DecisionLog decisionLog =
        new DecisionLog(
                config.admin().decisionLog().maxEntries(),
                config.admin().decisionLog().maxAge(),
                config.admin().showMessageContent(),
                clock)
            .registerMetrics(meters);
    // The cost metric prices what high-cost prices: the shipped table and its price_file (read at
    // start; a reload that changes price_file applies to the policy, not to the metric).
    LlmUsageMetrics llmUsage =
        new LlmUsageMetrics(meters, PriceTable.configured(config.policyOptions().values())::priced);
    GenAiNormalizer genAi = new GenAiNormalizer(meters);
    KeptSpans keptSpans =
        new KeptSpans(
            KeptSpans.DEFAULT_MAX_BYTES,
            config.admin().decisionLog().maxAge(),
            Ticker.systemTicker());
    // Set once the buffer it promotes in exists; late spans arrive only after start.
    AtomicReference<TracePromoter> promoter = new AtomicReference<>();
    ConversationKeeper conversations =
        new ConversationKeeper(
            config.conversations(),
            decisionLog,
            (id, reason, verdicts) ->
                Objects.requireNonNull(promoter.get()).keep(id, reason, verdicts),
            meters,
            clock);
    FanOutListener listener =
        new FanOutListener(
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
                new LateEvidence(
                    id -> Objects.requireNonNull(promoter.get()).weighLateEvidence(id)),
                conversations));
    return new DecidedListeners(
        listener, decisionLog, llmUsage, genAi, keptSpans, conversations, promoter);
  }
}
