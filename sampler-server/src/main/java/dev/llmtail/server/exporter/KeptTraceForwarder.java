package dev.llmtail.server.exporter;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.SamplingAnnotations;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.function.Consumer;

/**
 * Sends kept traces, and late spans of kept traces, to the exporter with the decision on them; the
 * log records (GenAI events) of kept traces go along, unchanged; counts the spans of dropped ones
 * in {@code llmtail.spans.dropped} (the decision's share of the span accounting). A dropped trace
 * kept afterwards ({@link DecisionTrigger#PROMOTED}) is exported whole, marked {@value
 * SamplingAnnotations#PROMOTED}.
 */
public final class KeptTraceForwarder implements DecisionListener {

  private final SpanExporter exporter;
  private final Consumer<TraceId> settled;
  private final Counter droppedByDecision;
  private final Counter promoted;

  public KeptTraceForwarder(SpanExporter exporter, MeterRegistry meters) {
    this(exporter, traceId -> {}, meters);
  }

  /**
   * @param settled told the id of each kept trace once the exporter no longer needs llmtail's
   *     memory for it (delivered, spilled or refused for good): the span log lets go of it then
   */
  public KeptTraceForwarder(
      SpanExporter exporter, Consumer<TraceId> settled, MeterRegistry meters) {
    this.exporter = exporter;
    this.settled = settled;
    this.droppedByDecision =
        Counter.builder("llmtail.spans.dropped")
            .description("Spans not exported because their trace was decided to be dropped")
            .register(meters);
    this.promoted =
        Counter.builder("llmtail.spans.promoted")
            .description(
                "Spans of dropped traces exported after all (promoted): counted in"
                    + " llmtail.spans.dropped when dropped, then exported from the span log")
            .register(meters);
  }

  @Override
  public void onDecided(Decision decision, TraceView trace) {
    if (decision.trigger() == DecisionTrigger.PROMOTED) {
      // Their drop was counted; the span ledger counts them in again here.
      promoted.increment(trace.spanCount());
    }
    if (decision.kept()) {
      exporter.export(
          SamplingAnnotations.annotate(
              trace.fragments(),
              decision.reason(),
              decision.adjustedCount(),
              false,
              decision.trigger() == DecisionTrigger.PROMOTED),
          trace.spanCount(),
          () -> settled.accept(trace.traceId()));
      if (trace.logRecordCount() > 0) {
        exporter.exportLogs(trace.logs(), trace.logRecordCount());
      }
    } else {
      droppedByDecision.increment(trace.spanCount());
    }
  }

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
    if (decision.kept()) {
      exporter.export(
          SamplingAnnotations.annotate(
              List.of(fragment.spans()), decision.reason(), decision.adjustedCount(), true),
          fragment.spanCount());
    } else {
      droppedByDecision.increment(fragment.spanCount());
    }
  }

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {
    if (decision.kept()) {
      exporter.exportLogs(List.of(fragment.logs()), fragment.recordCount());
    }
  }
}
