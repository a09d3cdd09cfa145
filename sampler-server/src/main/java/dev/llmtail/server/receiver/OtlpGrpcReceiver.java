package dev.llmtail.server.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.GroupedRequest;
import dev.llmtail.core.ingest.TraceGrouper;
import dev.llmtail.server.config.HostPort;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * The OTLP/gRPC trace receiver ({@code opentelemetry.proto.collector.trace.v1.TraceService/Export}).
 *
 * <p>Follows the OTLP spec: spans with invalid ids are rejected and reported in {@code
 * partial_success} while the rest are accepted; a body that is not an {@code
 * ExportTraceServiceRequest} is answered with {@code INVALID_ARGUMENT}; a message above the
 * configured size is refused by gRPC with {@code RESOURCE_EXHAUSTED} before it is read. The
 * request body is taken as bytes and parsed here (not by gRPC's marshaller) so that a parse failure
 * is the client's error, not {@code INTERNAL}.
 */
public final class OtlpGrpcReceiver implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(OtlpGrpcReceiver.class.getName());

  private final Server server;
  private final TraceBuffer buffer;
  private final Counter spansAccepted;
  private final Counter spansRejected;
  private final Counter requestsInvalid;

  public OtlpGrpcReceiver(
      HostPort address, long maxMessageBytes, TraceBuffer buffer, MeterRegistry meters) {
    this.buffer = buffer;
    this.spansAccepted = spans(meters, "accepted");
    this.spansRejected = spans(meters, "rejected");
    this.requestsInvalid =
        Counter.builder("llmtail.receiver.requests.invalid")
            .description("Export requests refused as unparseable")
            .tag("transport", "grpc")
            .register(meters);
    MethodDescriptor<ExportTraceServiceRequest, ExportTraceServiceResponse> export =
        TraceServiceGrpc.getExportMethod();
    MethodDescriptor<byte[], ExportTraceServiceResponse> rawExport =
        export.toBuilder(new RawBytes(), export.getResponseMarshaller()).build();
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
            .addMethod(rawExport, ServerCalls.asyncUnaryCall(this::export))
            .build();
    this.server =
        NettyServerBuilder.forAddress(address.toSocketAddress())
            .maxInboundMessageSize((int) maxMessageBytes)
            .addService(service)
            .build();
  }

  private static Counter spans(MeterRegistry meters, String result) {
    return Counter.builder("llmtail.receiver.spans")
        .description("Spans received, by whether they were accepted or rejected to the client")
        .tag("transport", "grpc")
        .tag("result", result)
        .register(meters);
  }

  /** Starts listening; throws with the address if the port cannot be bound. */
  public OtlpGrpcReceiver start() {
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen for OTLP/gRPC on " + server.getListenSockets()
              + " (is another process using the port? set receivers.grpc.endpoint)", e);
    }
    return this;
  }

  /** The bound port (useful when configured with port 0). */
  public int port() {
    return server.getPort();
  }

  private void export(byte[] body, StreamObserver<ExportTraceServiceResponse> response) {
    ExportTraceServiceRequest request;
    try {
      request = ExportTraceServiceRequest.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      requestsInvalid.increment();
      response.onError(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "request body (" + body.length + " bytes) is not an ExportTraceServiceRequest: "
                      + e.getMessage())
              .asRuntimeException());
      return;
    }
    GroupedRequest grouped = TraceGrouper.group(request.getResourceSpansList());
    buffer.admit(grouped.fragments());
    spansAccepted.increment(grouped.acceptedSpans());
    ExportTraceServiceResponse.Builder answer = ExportTraceServiceResponse.newBuilder();
    if (grouped.rejectedSpans() > 0) {
      spansRejected.increment(grouped.rejectedSpans());
      LOG.log(System.Logger.Level.DEBUG, grouped.rejectionMessage());
      answer.setPartialSuccess(
          ExportTracePartialSuccess.newBuilder()
              .setRejectedSpans(grouped.rejectedSpans())
              .setErrorMessage(grouped.rejectionMessage()));
    }
    response.onNext(answer.build());
    response.onCompleted();
  }

  /** Stops accepting requests and waits up to {@code timeoutMillis} for those in flight. */
  public void shutdown(long timeoutMillis) {
    server.shutdown();
    try {
      if (!server.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    shutdown(5_000);
  }

  /** Passes the request body through as bytes. */
  static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("cannot read request body").withCause(e).asRuntimeException();
      }
    }
  }
}
