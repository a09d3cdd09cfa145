package dev.llmtail.server.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.GroupedLogs;
import dev.llmtail.core.ingest.GroupedRequest;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.LogGrouper;
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
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The OTLP/gRPC receiver: traces ({@code opentelemetry.proto.collector.trace.v1.TraceService/Export})
 * and log records ({@code LogsService/Export}; GenAI events travel with their trace, records
 * without a trace id are forwarded as they are).
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
  private final Counter logRecordsAccepted;
  private final Counter logRecordsRejected;
  private final Consumer<GroupedLogs> untracedLogs;

  public OtlpGrpcReceiver(
      HostPort address,
      long maxMessageBytes,
      TraceBuffer buffer,
      Consumer<GroupedLogs> untracedLogs,
      MeterRegistry meters) {
    this.buffer = buffer;
    this.untracedLogs = untracedLogs;
    this.logRecordsAccepted = logRecords(meters, "accepted");
    this.logRecordsRejected = logRecords(meters, "rejected");
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
    ServerServiceDefinition traces =
        ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
            .addMethod(rawExport, ServerCalls.asyncUnaryCall(this::export))
            .build();
    MethodDescriptor<ExportLogsServiceRequest, ExportLogsServiceResponse> exportLogs =
        LogsServiceGrpc.getExportMethod();
    ServerServiceDefinition logs =
        ServerServiceDefinition.builder(LogsServiceGrpc.SERVICE_NAME)
            .addMethod(
                exportLogs.toBuilder(new RawBytes(), exportLogs.getResponseMarshaller()).build(),
                ServerCalls.asyncUnaryCall(this::exportLogs))
            .build();
    this.server =
        NettyServerBuilder.forAddress(address.toSocketAddress())
            .maxInboundMessageSize((int) maxMessageBytes)
            .addService(traces)
            .addService(logs)
            .build();
  }

  private static Counter logRecords(MeterRegistry meters, String result) {
    return Counter.builder("llmtail.receiver.log_records")
        .description("Log records received, by whether they were accepted or rejected to the client")
        .tag("transport", "grpc")
        .tag("result", result)
        .register(meters);
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
    ExportTraceServiceRequest request =
        parseOrRefuse(body, ExportTraceServiceRequest.parser(), "ExportTraceServiceRequest", response);
    if (request == null) {
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

  private void exportLogs(byte[] body, StreamObserver<ExportLogsServiceResponse> response) {
    ExportLogsServiceRequest request =
        parseOrRefuse(body, ExportLogsServiceRequest.parser(), "ExportLogsServiceRequest", response);
    if (request == null) {
      return;
    }
    GroupedLogs grouped = LogGrouper.group(request.getResourceLogsList());
    buffer.admitLogs(grouped.fragments());
    if (!grouped.untraced().isEmpty()) {
      untracedLogs.accept(grouped); // not sampled: forwarded as they are
    }
    int accepted = grouped.untracedRecords();
    for (LogFragment f : grouped.fragments()) {
      accepted += f.recordCount();
    }
    logRecordsAccepted.increment(accepted);
    ExportLogsServiceResponse.Builder answer = ExportLogsServiceResponse.newBuilder();
    if (grouped.rejectedRecords() > 0) {
      logRecordsRejected.increment(grouped.rejectedRecords());
      answer.setPartialSuccess(
          ExportLogsPartialSuccess.newBuilder()
              .setRejectedLogRecords(grouped.rejectedRecords())
              .setErrorMessage(grouped.rejectionMessage()));
    }
    response.onNext(answer.build());
    response.onCompleted();
  }

  /** Parses an export request, or answers INVALID_ARGUMENT naming what the body should have been. */
  private <T> T parseOrRefuse(
      byte[] body, Parser<T> parser, String expected, StreamObserver<?> response) {
    try {
      return parser.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      requestsInvalid.increment();
      response.onError(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "request body (" + body.length + " bytes) is not an " + expected + ": " + e.getMessage())
              .asRuntimeException());
      return null;
    }
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
