package dev.llmtail.server.receiver;

import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.GroupedLogs;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.LogGrouper;
import dev.llmtail.server.storage.SpanLog;
import dev.llmtail.server.storage.SpanLogFullException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import java.util.List;
import java.util.function.Consumer;

/**
 * Log records into the trace buffer: records that carry a trace id (GenAI events) join their trace
 * and follow its decision; records without one are not sampled and go to {@code untraced} as they
 * are; records with a malformed trace id are rejected in partial success. Shared by both
 * transports. Thread-safe.
 */
final class BufferLogIntake implements LogIntake {

  private final TraceBuffer buffer;
  private final SpanLog spanLog;
  private final Backpressure backpressure;
  private final Consumer<GroupedLogs> untraced;
  private final Counter accepted;
  private final Counter rejected;

  BufferLogIntake(
      TraceBuffer buffer,
      SpanLog spanLog,
      Backpressure backpressure,
      Consumer<GroupedLogs> untraced,
      MeterRegistry meters) {
    this.buffer = buffer;
    this.spanLog = spanLog;
    this.backpressure = backpressure;
    this.untraced = untraced;
    this.accepted = records(meters, "accepted");
    this.rejected = records(meters, "rejected");
  }

  private static Counter records(MeterRegistry meters, String result) {
    return Counter.builder("llmtail.receiver.log_records")
        .description(
            "Log records received, by whether they were accepted or rejected to the client")
        .tag("result", result)
        .register(meters);
  }

  @Override
  public boolean waitsOnDisk() {
    return spanLog.durable();
  }

  @Override
  public ExportLogsServiceResponse accept(ExportLogsServiceRequest request) {
    GroupedLogs grouped = LogGrouper.group(request.getResourceLogsList());
    if (!grouped.fragments().isEmpty()) {
      try {
        spanLog.append(List.of(), grouped.fragments());
      } catch (SpanLogFullException e) {
        throw new LogIntake.RefusedException(
            backpressure.storageFull(String.valueOf(e.getMessage())));
      }
    }
    buffer.admitLogs(grouped.fragments());
    if (!grouped.untraced().isEmpty()) {
      untraced.accept(grouped);
    }
    long count = grouped.untracedRecords();
    for (LogFragment f : grouped.fragments()) {
      count += f.recordCount();
    }
    accepted.increment(count);
    ExportLogsServiceResponse.Builder answer = ExportLogsServiceResponse.newBuilder();
    if (grouped.rejectedRecords() > 0) {
      rejected.increment(grouped.rejectedRecords());
      answer.setPartialSuccess(
          ExportLogsPartialSuccess.newBuilder()
              .setRejectedLogRecords(grouped.rejectedRecords())
              .setErrorMessage(grouped.rejectionMessage()));
    }
    return answer.build();
  }
}
