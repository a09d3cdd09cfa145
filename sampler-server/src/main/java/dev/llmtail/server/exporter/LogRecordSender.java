package dev.llmtail.server.exporter;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import java.util.List;

/**
 * One export call of log records of kept traces (GenAI events) to the backend's logs service;
 * records the backend rejects in a partial success are reported to {@link ExportHealth} as lost.
 */
final class LogRecordSender implements ExportQueue.BatchCall<ResourceLogs> {

  private final OtlpChannel channel;
  private final LogsServiceGrpc.LogsServiceBlockingStub stub;
  private final ExportHealth health;

  LogRecordSender(OtlpChannel channel, ExportHealth health) {
    this.channel = channel;
    this.stub = channel.configure(LogsServiceGrpc.newBlockingStub(channel.channel()));
    this.health = health;
  }

  @Override
  public long send(List<ResourceLogs> batch, int count) {
    ExportLogsServiceResponse response =
        channel
            .withDeadline(stub)
            .export(ExportLogsServiceRequest.newBuilder().addAllResourceLogs(batch).build());
    long rejected = response.getPartialSuccess().getRejectedLogRecords();
    if (rejected > 0) {
      health.undelivered(
          Signal.LOGS,
          rejected,
          "rejected by the backend: lost (" + response.getPartialSuccess().getErrorMessage() + ")");
    }
    return rejected;
  }
}
