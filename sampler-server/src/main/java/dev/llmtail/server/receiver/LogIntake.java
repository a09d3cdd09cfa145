package dev.llmtail.server.receiver;

import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.GroupedLogs;
import dev.llmtail.server.storage.SpanLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import java.util.function.Consumer;

/**
 * Where decoded OTLP log export requests go, whichever transport they came by: {@link #intoBuffer}
 * (GenAI events travel with their trace).
 */
public interface LogIntake {

  /**
   * Takes a decoded request and returns the OTLP answer; throws {@link RefusedException} only when
   * the request is refused whole with a retryable error (the span log could not take it).
   */
  ExportLogsServiceResponse accept(ExportLogsServiceRequest request);

  /** Whether {@link #accept} may wait on a disk write (the span log's), so not on an event loop. */
  boolean waitsOnDisk();

  /** A log export request refused whole; the client should retry. */
  final class RefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Backpressure.Refusal refusal;

    public RefusedException(Backpressure.Refusal refusal) {
      super(refusal.message(), null, false, false);
      this.refusal = refusal;
    }

    public Backpressure.Refusal refusal() {
      return refusal;
    }
  }

  /**
   * Log records join their trace in {@code buffer}; records without a trace id go to {@code
   * untraced}.
   */
  static LogIntake intoBuffer(
      TraceBuffer buffer, Consumer<GroupedLogs> untraced, MeterRegistry meters) {
    return new BufferLogIntake(buffer, SpanLog.memoryOnly(), Backpressure.none(), untraced, meters);
  }

  /**
   * Like {@link #intoBuffer(TraceBuffer, Consumer, MeterRegistry)}, with records that carry a trace
   * id written to {@code spanLog} before they are admitted and acknowledged.
   */
  static LogIntake intoBuffer(
      TraceBuffer buffer,
      SpanLog spanLog,
      Backpressure backpressure,
      Consumer<GroupedLogs> untraced,
      MeterRegistry meters) {
    return new BufferLogIntake(buffer, spanLog, backpressure, untraced, meters);
  }
}
