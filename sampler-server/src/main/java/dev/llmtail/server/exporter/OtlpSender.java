package dev.llmtail.server.exporter;

import io.grpc.MethodDescriptor;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import java.util.List;

/**
 * One export call of a batch to the backend: {@link #spans} to its trace service, {@link #logs}
 * (the log-record sender) to its logs service. What the backend rejects in a partial success is
 * reported to {@link ExportHealth} as lost, with the backend's message; failures are thrown as
 * gRPC's {@code StatusRuntimeException}, for the {@link RetryingSender}.
 */
final class OtlpSender<T> implements ExportQueue.BatchCall<T> {

  /** The {@code partial_success} of an export response. */
  private record PartialSuccess(long rejected, String message) {}

  private interface Call<T> {
    PartialSuccess export(List<T> batch);
  }

  private final Signal<?> signal;
  private final ExportHealth health;
  private final Call<T> call;

  private OtlpSender(Signal<?> signal, ExportHealth health, Call<T> call) {
    this.signal = signal;
    this.health = health;
    this.call = call;
  }

  /**
   * Sends encoded {@code ResourceSpans} as they are: the trace service's export method with a
   * request marshaller ({@link EncodedSpansRequest#MARSHALLER}) that writes them behind their tags
   * and lengths instead of a message.
   */
  static OtlpSender<byte[]> spans(OtlpChannel channel, ExportHealth health) {
    MethodDescriptor<List<byte[]>, ExportTraceServiceResponse> export =
        TraceServiceGrpc.getExportMethod().toBuilder(
                EncodedSpansRequest.MARSHALLER,
                TraceServiceGrpc.getExportMethod().getResponseMarshaller())
            .build();
    return new OtlpSender<>(
        Signal.SPANS,
        health,
        batch -> {
          ExportTraceServiceResponse response = channel.call(export, batch);
          return new PartialSuccess(
              response.getPartialSuccess().getRejectedSpans(),
              response.getPartialSuccess().getErrorMessage());
        });
  }

  static OtlpSender<ResourceLogs> logs(OtlpChannel channel, ExportHealth health) {
    return new OtlpSender<>(
        Signal.LOGS,
        health,
        batch -> {
          ExportLogsServiceResponse response =
              channel.call(
                  LogsServiceGrpc.getExportMethod(),
                  ExportLogsServiceRequest.newBuilder().addAllResourceLogs(batch).build());
          return new PartialSuccess(
              response.getPartialSuccess().getRejectedLogRecords(),
              response.getPartialSuccess().getErrorMessage());
        });
  }

  @Override
  public long send(List<T> batch, int count) {
    PartialSuccess result = call.export(batch);
    if (result.rejected() > 0) {
      health.undelivered(
          signal, result.rejected(), "rejected by the backend: lost (" + result.message() + ")");
    }
    return result.rejected();
  }
}
