package dev.llmtail.server.exporter;

import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.time.Duration;
import java.util.List;

/** Where kept spans, and the log records (GenAI events) of kept traces, go: a backend over OTLP, or a file. */
public interface SpanExporter {

  /**
   * Takes spans for export without blocking for long. Returns false if they could not be taken
   * (e.g. the queue is full); the exporter has then counted and logged them as dropped.
   */
  boolean export(List<ResourceSpans> spans, int spanCount);

  /** Takes log records for export, like {@link #export}; OTLP exporters send them to the logs service. */
  boolean exportLogs(List<ResourceLogs> logs, int recordCount);

  /** Sends or writes what is pending, for at most {@code deadline}, then releases resources. */
  void shutdown(Duration deadline);
}
