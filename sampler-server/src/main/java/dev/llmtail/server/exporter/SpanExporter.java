package dev.llmtail.server.exporter;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where kept spans, and the log records (GenAI events) of kept traces, go: a backend over OTLP, or
 * a file.
 */
public interface SpanExporter {

  /**
   * Takes spans for export without blocking for long. Returns false if they could not be taken
   * (e.g. a write failed); the exporter has then counted and logged them as failed.
   */
  boolean export(List<ResourceSpans> spans, int spanCount);

  /**
   * Like {@link #export}, and runs {@code settled} once the spans are safe without llmtail's
   * memory: delivered, written to the spill directory, or refused by the backend for good. The span
   * log keeps a kept trace until then, so a crash before it re-exports the trace. The default is
   * for exporters that write before they return.
   */
  default boolean export(List<ResourceSpans> spans, int spanCount, Runnable settled) {
    boolean taken = export(spans, spanCount);
    if (taken) {
      settled.run();
    }
    return taken;
  }

  /**
   * Like {@link #export(List, int, Runnable)}, for spans already encoded, each an encoded {@code
   * ResourceSpans} (e.g. as a span store holds them, with the sampling attributes appended): an
   * exporter that sends protobuf sends these bytes as they are. The default parses them for
   * exporters that need messages.
   *
   * @throws IllegalArgumentException if an element is not an encoded {@code ResourceSpans}
   */
  default boolean exportEncoded(List<byte[]> resourceSpans, int spanCount, Runnable settled) {
    List<ResourceSpans> parsed = new ArrayList<>(resourceSpans.size());
    for (byte[] rs : resourceSpans) {
      try {
        parsed.add(ResourceSpans.parseFrom(rs));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalArgumentException(
            "exportEncoded: " + rs.length + " bytes that are not an encoded ResourceSpans", e);
      }
    }
    return export(parsed, spanCount, settled);
  }

  /**
   * Takes log records for export, like {@link #export}; OTLP exporters send them to the logs
   * service.
   */
  boolean exportLogs(List<ResourceLogs> logs, int recordCount);

  /** Whether an export writes a file before it returns (so is not called on an event loop). */
  default boolean writesFiles() {
    return false;
  }

  /** Like {@link #exportLogs}, and runs {@code settled} as {@link #export} with it does. */
  default boolean exportLogs(List<ResourceLogs> logs, int recordCount, Runnable settled) {
    boolean taken = exportLogs(logs, recordCount);
    if (taken) {
      settled.run();
    }
    return taken;
  }

  /**
   * Whether the exporter holds as much as it may (memory queue and spill directory full): the
   * receivers then refuse new requests with a retryable error instead of accepting more.
   */
  default boolean atCapacity() {
    return false;
  }

  /** Whether kept traces currently reach their destination, for {@code /debug}. */
  ExportStatus status();

  /** Sends or writes what is pending, for at most {@code deadline}, then releases resources. */
  void shutdown(Duration deadline);
}
