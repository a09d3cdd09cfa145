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
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Sends kept traces, and late spans of kept traces, to the exporter with the decision on them; the
 * log records (GenAI events) of kept traces go along, unchanged; tells {@link Delivered} what
 * settled, spans and log records apart, so that the span log holds each until then; counts the
 * spans of dropped ones in {@code llmtail.spans.dropped} (the decision's share of the span
 * accounting). A dropped trace kept afterwards ({@link DecisionTrigger#PROMOTED}) is exported
 * whole, marked {@value SamplingAnnotations#PROMOTED}.
 */
public final class KeptTraceForwarder implements DecisionListener {

  private final SpanExporter exporter;
  private final Delivered delivered;
  private final Counter droppedByDecision;
  private final Counter promoted;

  /** What of a kept trace the exporter no longer needs llmtail's memory for. */
  public interface Delivered {
    /** Nobody listens: without the span log. */
    Delivered NONE = of((id, spans) -> {}, (id, logs) -> {});

    /** Spans of a kept trace (decided or late) were delivered, spilled or refused for good. */
    void spans(TraceId traceId, List<ResourceSpans> spans);

    /** Log records of a kept trace (with it or late) were delivered, spilled or refused. */
    void logs(TraceId traceId, List<ResourceLogs> logs);

    /** Tells the span log, e.g. {@code of(spanLog::spansDelivered, spanLog::logsDelivered)}. */
    static Delivered of(
        BiConsumer<TraceId, List<ResourceSpans>> spans,
        BiConsumer<TraceId, List<ResourceLogs>> logs) {
      return new Delivered() {
        @Override
        public void spans(TraceId traceId, List<ResourceSpans> delivered) {
          spans.accept(traceId, delivered);
        }

        @Override
        public void logs(TraceId traceId, List<ResourceLogs> delivered) {
          logs.accept(traceId, delivered);
        }
      };
    }
  }

  public KeptTraceForwarder(SpanExporter exporter, MeterRegistry meters) {
    this(exporter, Delivered.NONE, meters);
  }

  /**
   * @param delivered told which spans and log records of kept traces, decided or late, the exporter
   *     no longer needs llmtail's memory for (delivered, spilled or refused for good): the span log
   *     lets go of exactly those
   */
  public KeptTraceForwarder(SpanExporter exporter, Delivered delivered, MeterRegistry meters) {
    this.exporter = exporter;
    this.delivered = delivered;
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
      exporter.exportEncoded(
          SamplingAnnotations.annotateEncoded(
              trace.encodedFragments(),
              decision.reason(),
              decision.adjustedCount(),
              false,
              decision.trigger() == DecisionTrigger.PROMOTED),
          trace.spanCount(),
          () -> delivered.spans(trace.traceId(), trace.fragments()));
      if (trace.logRecordCount() > 0) {
        exporter.exportLogs(
            trace.logs(),
            trace.logRecordCount(),
            () -> delivered.logs(trace.traceId(), trace.logs()));
      }
    } else {
      droppedByDecision.increment(trace.spanCount());
    }
  }

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
    if (decision.kept()) {
      exporter.exportEncoded(
          SamplingAnnotations.annotateEncoded(
              List.of(fragment.encoded()),
              decision.reason(),
              decision.adjustedCount(),
              true,
              false),
          fragment.spanCount(),
          () -> delivered.spans(fragment.traceId(), List.of(fragment.spans())));
    } else {
      droppedByDecision.increment(fragment.spanCount());
    }
  }

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {
    if (decision.kept()) {
      exporter.exportLogs(
          List.of(fragment.logs()),
          fragment.recordCount(),
          () -> delivered.logs(fragment.traceId(), List.of(fragment.logs())));
    }
  }
}
