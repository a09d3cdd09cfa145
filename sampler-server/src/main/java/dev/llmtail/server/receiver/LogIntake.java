package dev.llmtail.server.receiver;

import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.GroupedLogs;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import java.util.function.Consumer;

/**
 * Where decoded OTLP log export requests go, whichever transport they came by: {@link #intoBuffer}
 * (GenAI events travel with their trace).
 */
public interface LogIntake {

  /** Takes a decoded request and returns the OTLP answer. Never throws. */
  ExportLogsServiceResponse accept(ExportLogsServiceRequest request);

  /**
   * Log records join their trace in {@code buffer}; records without a trace id go to {@code
   * untraced}.
   */
  static LogIntake intoBuffer(
      TraceBuffer buffer, Consumer<GroupedLogs> untraced, MeterRegistry meters) {
    return new BufferLogIntake(buffer, untraced, meters);
  }
}
