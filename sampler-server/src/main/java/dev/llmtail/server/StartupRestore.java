package dev.llmtail.server;

import dev.llmtail.core.SamplingAnnotations;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.server.exporter.SpanExporter;
import dev.llmtail.server.storage.RecoveredTrace;
import dev.llmtail.server.storage.RecoveryReport;
import dev.llmtail.server.storage.SpanLog;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The startup step that hands what the span log recovered to the buffer (undecided traces) and the
 * exporter (what kept traces still hold undelivered: spans, late spans, log records). Not the
 * reading itself: that is {@code storage.SpanLogRecovery}.
 */
final class StartupRestore {

  private static final System.Logger LOG = System.getLogger(Sidecar.class.getName());

  private StartupRestore() {}

  /**
   * Restores what a previous process left in the span log, before any receiver accepts: undecided
   * traces go back into the buffer with their original arrival times (so their quiet period and
   * hard cap run on as if nothing happened), kept traces whose export was not recorded are
   * exported.
   */
  static void restore(
      LlmtailConfig config, SpanLog spanLog, TraceBuffer buffer, SpanExporter exporter) {
    Instant now = Clock.systemUTC().instant();
    RecoveryReport report =
        spanLog.recover(
            trace -> {
              if (trace.decision() == null) {
                for (RecoveredTrace.Timed<TraceFragment> f : trace.spans()) {
                  buffer.restore(f.fragment(), Duration.between(f.acceptedAt(), now));
                }
                for (RecoveredTrace.Timed<LogFragment> f : trace.logs()) {
                  buffer.restoreLogs(f.fragment(), Duration.between(f.acceptedAt(), now));
                }
                return;
              }
              RememberedDecision kept = trace.decision();
              List<ResourceSpans> spans = new ArrayList<>();
              int spanCount = 0;
              for (RecoveredTrace.Timed<TraceFragment> f : trace.spans()) {
                spans.add(f.fragment().spans());
                spanCount += f.fragment().spanCount();
              }
              if (spanCount > 0) {
                exporter.export(
                    SamplingAnnotations.annotate(
                        spans, kept.reason(), kept.adjustedCount(), false, trace.promoted()),
                    spanCount,
                    () -> spanLog.spansDelivered(trace.traceId(), spans));
              }
              List<ResourceLogs> logs = new ArrayList<>();
              int records = 0;
              for (RecoveredTrace.Timed<LogFragment> f : trace.logs()) {
                logs.add(f.fragment().logs());
                records += f.fragment().recordCount();
              }
              if (records > 0) {
                exporter.exportLogs(
                    logs, records, () -> spanLog.logsDelivered(trace.traceId(), logs));
              }
            });
    if (report.fragments() > 0 || report.corruptRecords() > 0) {
      LOG.log(
          System.Logger.Level.INFO,
          "span log {0}: restored {1} undecided traces, re-exported {2} kept traces ({3} fragments;"
              + " {4} damaged records skipped)",
          config.storage().directory(),
          report.undecidedTraces(),
          report.keptTraces(),
          report.fragments(),
          report.corruptRecords());
    }
  }
}
