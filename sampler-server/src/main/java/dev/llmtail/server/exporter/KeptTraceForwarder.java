package dev.llmtail.server.exporter;

import dev.llmtail.core.Decision;
import dev.llmtail.core.SamplingAnnotations;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import java.util.List;

/**
 * Sends kept traces, and late spans of kept traces, to the exporter with the decision on them;
 * the log records (GenAI events) of kept traces go along, unchanged.
 */
public final class KeptTraceForwarder implements DecisionListener {

  private final SpanExporter exporter;

  public KeptTraceForwarder(SpanExporter exporter) {
    this.exporter = exporter;
  }

  @Override
  public void onDecided(Decision decision, TraceView trace) {
    if (decision.kept()) {
      exporter.export(
          SamplingAnnotations.annotate(
              trace.fragments(), decision.reason(), decision.adjustedCount(), false),
          trace.spanCount());
      if (trace.logRecordCount() > 0) {
        exporter.exportLogs(trace.logs(), trace.logRecordCount());
      }
    }
  }

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
    if (decision.kept()) {
      exporter.export(
          SamplingAnnotations.annotate(
              List.of(fragment.spans()), decision.reason(), decision.adjustedCount(), true),
          fragment.spanCount());
    }
  }

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {
    if (decision.kept()) {
      exporter.exportLogs(List.of(fragment.logs()), fragment.recordCount());
    }
  }
}
