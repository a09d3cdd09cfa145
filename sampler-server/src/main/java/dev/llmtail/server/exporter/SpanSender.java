package dev.llmtail.server.exporter;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;

/**
 * One export call of kept spans to the backend's trace service; spans the backend rejects in a
 * partial success are reported to {@link ExportHealth} as lost, with the backend's message.
 */
final class SpanSender implements ExportQueue.BatchCall<ResourceSpans> {

  private final OtlpChannel channel;
  private final TraceServiceGrpc.TraceServiceBlockingStub stub;
  private final ExportHealth health;

  SpanSender(OtlpChannel channel, ExportHealth health) {
    this.channel = channel;
    this.stub = channel.configure(TraceServiceGrpc.newBlockingStub(channel.channel()));
    this.health = health;
  }

  @Override
  public long send(List<ResourceSpans> batch, int count) {
    ExportTraceServiceResponse response =
        channel
            .withDeadline(stub)
            .export(ExportTraceServiceRequest.newBuilder().addAllResourceSpans(batch).build());
    long rejected = response.getPartialSuccess().getRejectedSpans();
    if (rejected > 0) {
      health.undelivered(
          Signal.SPANS,
          rejected,
          "rejected by the backend: lost (" + response.getPartialSuccess().getErrorMessage() + ")");
    }
    return rejected;
  }
}
