package dev.llmtail.server.receiver;

import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.GroupedLogs;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.util.function.Consumer;

/**
 * Where decoded OTLP log export requests go, whichever transport they came by: normally {@link
 * #intoBuffer} (GenAI events travel with their trace); {@link #unsupported()} rejects every record
 * in partial success, which the spec says a client must not retry.
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

  /** Rejects every log record with a partial success that explains why. */
  static LogIntake unsupported() {
    return request -> {
      long records = 0;
      for (ResourceLogs rl : request.getResourceLogsList()) {
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          records += sl.getLogRecordsCount();
        }
      }
      ExportLogsServiceResponse.Builder answer = ExportLogsServiceResponse.newBuilder();
      if (records > 0) {
        answer.setPartialSuccess(
            ExportLogsPartialSuccess.newBuilder()
                .setRejectedLogRecords(records)
                .setErrorMessage(
                    "llmtail does not handle log records yet: rejected "
                        + records
                        + " (send logs to the Collector directly)"));
      }
      return answer.build();
    };
  }
}
