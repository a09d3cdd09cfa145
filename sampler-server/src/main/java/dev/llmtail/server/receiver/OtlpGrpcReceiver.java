package dev.llmtail.server.receiver;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.SlicedRequest;
import dev.llmtail.core.ingest.TraceSlicer;
import dev.llmtail.server.auth.AuthConfig;
import dev.llmtail.server.auth.BearerTokenInterceptor;
import dev.llmtail.server.config.HostPort;
import dev.llmtail.server.config.ReceiversConfig.GrpcReceiverConfig;
import dev.llmtail.server.tls.ServerTls;
import dev.llmtail.server.tls.ServerTlsConfig;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The OTLP/gRPC receiver: traces ({@code
 * opentelemetry.proto.collector.trace.v1.TraceService/Export}) and log records ({@code
 * LogsService/Export}, handed to a {@link LogIntake}).
 *
 * <p>Follows the OTLP spec: spans with invalid ids are rejected and reported in {@code
 * partial_success} while the rest are accepted; a body that is not an {@code
 * ExportTraceServiceRequest} is answered with {@code INVALID_ARGUMENT}; under {@link Backpressure}
 * the request is refused whole with {@code RESOURCE_EXHAUSTED} or {@code UNAVAILABLE} and a {@code
 * RetryInfo}, so the client retries; a message above the configured size is refused by gRPC with
 * {@code RESOURCE_EXHAUSTED} before it is read. The request body is taken as bytes and parsed here
 * (not by gRPC's marshaller) so that a parse failure is the client's error, not {@code INTERNAL}.
 * With {@code tls} it speaks only TLS (mTLS with {@code client_ca_file}); with {@code auth} a call
 * without the bearer token is refused with {@code UNAUTHENTICATED} before its message is read.
 */
public final class OtlpGrpcReceiver implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(OtlpGrpcReceiver.class.getName());

  /**
   * Threads that slice and admit requests when admitting may wait on the span log's disk: one per
   * core, at least two. A fixed pool, as grpc-java's performance guide advises, instead of gRPC's
   * default cached pool, which starts a thread for every request that finds the others busy and
   * lets it die after a minute idle: here the number of requests admitted at once, and so what
   * {@link Backpressure} can be overshot by, is bounded, and a burst reuses warm threads. Not the
   * transport's own threads there: all the streams of one client connection share one transport
   * thread, which must not wait on a disk write.
   *
   * <p>Without a span log on disk or a file exporter nothing in a call waits (slicing, the buffer's
   * admission, the counters, an OTLP exporter's queue), so the calls run on the transport's event
   * loop ({@code directExecutor}): at the llm input's 11.5 requests a second the hand-off to a pool
   * and back cost about four pool wake-ups and two more event-loop wake-ups per request, each about
   * 35 µs of CPU on a virtual machine (docs/performance.md, "Receiving on the event loop").
   */
  static final int THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  private final HostPort address;
  private final long maxMessageBytes;
  private final Server server;
  private final SpanIntake intake;
  private final LogIntake logs;
  private final @Nullable ServerTls tls; // null for plaintext
  private final @Nullable ExecutorService executor; // null: calls run on the event loop

  /** A plaintext receiver without authentication. */
  public OtlpGrpcReceiver(
      HostPort address, long maxMessageBytes, SpanIntake intake, LogIntake logs) {
    this(
        address,
        maxMessageBytes,
        ServerTlsConfig.NONE,
        AuthConfig.NONE,
        intake,
        logs,
        false,
        new SimpleMeterRegistry());
  }

  /**
   * A receiver as {@code config} says: address, size limit, TLS and bearer token. {@code
   * exporterWritesFiles} (the file exporter) says that admitting may write a file: untraced log
   * records are exported as they arrive, and a trace decided to make room in a full buffer is
   * exported on the admitting thread.
   */
  public OtlpGrpcReceiver(
      GrpcReceiverConfig config,
      SpanIntake intake,
      LogIntake logs,
      boolean exporterWritesFiles,
      MeterRegistry meters) {
    this(
        HostPort.parse("receivers.grpc.endpoint", config.endpoint()),
        config.maxMessageSize().bytes(),
        config.tls(),
        config.auth(),
        intake,
        logs,
        exporterWritesFiles,
        meters);
  }

  private OtlpGrpcReceiver(
      HostPort address,
      long maxMessageBytes,
      ServerTlsConfig tlsConfig,
      AuthConfig auth,
      SpanIntake intake,
      LogIntake logs,
      boolean exporterWritesFiles,
      MeterRegistry meters) {
    this.address = address;
    this.maxMessageBytes = maxMessageBytes;
    this.intake = intake;
    this.logs = logs;
    MethodDescriptor<ExportTraceServiceRequest, ExportTraceServiceResponse> export =
        TraceServiceGrpc.getExportMethod();
    ReceivedBytes bodies = new ReceivedBytes(new BodyArrays());
    MethodDescriptor<ReceivedBytes.Body, ExportTraceServiceResponse> rawExport =
        export.toBuilder(bodies, export.getResponseMarshaller()).build();
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
            .addMethod(rawExport, ServerCalls.asyncUnaryCall(this::export))
            .build();
    MethodDescriptor<ExportLogsServiceRequest, ExportLogsServiceResponse> exportLogs =
        LogsServiceGrpc.getExportMethod();
    ServerServiceDefinition logService =
        ServerServiceDefinition.builder(LogsServiceGrpc.SERVICE_NAME)
            .addMethod(
                exportLogs.toBuilder(bodies, exportLogs.getResponseMarshaller()).build(),
                ServerCalls.asyncUnaryCall(this::exportLogs))
            .build();
    if (auth.token().required()) {
      BearerTokenInterceptor check =
          new BearerTokenInterceptor(
              auth.token(), "receivers.grpc.auth.bearer_token", unauthenticated(meters, "grpc"));
      service = ServerInterceptors.intercept(service, check);
      logService = ServerInterceptors.intercept(logService, check);
    }
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(address.toSocketAddress())
            .maxInboundMessageSize((int) maxMessageBytes)
            .addService(service)
            .addService(logService);
    if (intake.waitsOnDisk() || logs.waitsOnDisk() || exporterWritesFiles) {
      this.executor =
          Executors.newFixedThreadPool(
              THREADS,
              task -> {
                Thread thread = new Thread(task, "llmtail-grpc-receiver");
                thread.setDaemon(true);
                return thread;
              });
      builder.executor(executor);
    } else {
      this.executor = null;
      builder.directExecutor();
    }
    this.tls = tlsConfig.enabled() ? ServerTls.load(tlsConfig, "receivers.grpc") : null;
    if (tls != null) {
      builder.sslContext(tls.forGrpc());
    }
    this.server = builder.build();
  }

  /** Counts requests refused for a missing or wrong bearer token. */
  static Counter unauthenticated(MeterRegistry meters, String transport) {
    return Counter.builder("llmtail.receiver.requests.unauthenticated")
        .description("Requests refused for a missing or wrong bearer token")
        .tag("transport", transport)
        .register(meters);
  }

  /** A receiver that admits straight into {@code buffer}, never refusing (for tests). */
  public OtlpGrpcReceiver(
      HostPort address, long maxMessageBytes, TraceBuffer buffer, MeterRegistry meters) {
    this(
        address,
        maxMessageBytes,
        new SpanIntake(buffer, Backpressure.none(), meters),
        LogIntake.intoBuffer(buffer, untraced -> {}, meters));
  }

  /** Starts listening; throws with the address if the port cannot be bound. */
  public OtlpGrpcReceiver start() {
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen for OTLP/gRPC on "
              + address
              + " (is another process using the port? set receivers.grpc.endpoint)",
          e);
    }
    return this;
  }

  /** The bound port (useful when configured with port 0). */
  public int port() {
    return server.getPort();
  }

  private void export(
      ReceivedBytes.Body body, StreamObserver<ExportTraceServiceResponse> response) {
    SpanIntake.Outcome outcome;
    try {
      // Walked, not decoded: the spans travel on as the bytes they arrived as, copied out of the
      // body into their fragments before it is released.
      SlicedRequest request =
          parseOrRefuse(body, TraceSlicer::slice, "ExportTraceServiceRequest", response);
      if (request == null) {
        return;
      }
      outcome = intake.accept(request, "grpc");
    } finally {
      body.release();
    }
    if (outcome instanceof SpanIntake.Refused refused) {
      response.onError(retryable(refused.refusal()));
      return;
    }
    SpanIntake.Admitted admitted = (SpanIntake.Admitted) outcome;
    ExportTraceServiceResponse answer = ExportTraceServiceResponse.getDefaultInstance();
    if (admitted.rejectedSpans() > 0) {
      LOG.log(System.Logger.Level.DEBUG, admitted.message());
      answer =
          ExportTraceServiceResponse.newBuilder()
              .setPartialSuccess(
                  ExportTracePartialSuccess.newBuilder()
                      .setRejectedSpans(admitted.rejectedSpans())
                      .setErrorMessage(admitted.message()))
              .build();
    }
    response.onNext(answer);
    response.onCompleted();
  }

  private void exportLogs(
      ReceivedBytes.Body body, StreamObserver<ExportLogsServiceResponse> response) {
    @Nullable ExportLogsServiceRequest request;
    try {
      // Parsed into messages that copy what they hold, so the body is free once parsed.
      request =
          parseOrRefuse(
              body,
              (bytes, length) -> ExportLogsServiceRequest.parser().parseFrom(bytes, 0, length),
              "ExportLogsServiceRequest",
              response);
    } finally {
      body.release();
    }
    if (request != null) {
      ExportLogsServiceResponse answer;
      try {
        answer = logs.accept(request);
      } catch (LogIntake.RefusedException e) {
        response.onError(retryable(e.refusal()));
        return;
      }
      response.onNext(answer);
      response.onCompleted();
    }
  }

  /** Reads a request body; throws for a body that is not the expected message. */
  @FunctionalInterface
  private interface Decoder<T> {
    T decode(byte[] bytes, int length) throws InvalidProtocolBufferException;
  }

  /**
   * Parses an export request, or answers INVALID_ARGUMENT naming what the body should have been.
   */
  private <T> @Nullable T parseOrRefuse(
      ReceivedBytes.Body body, Decoder<T> parser, String expected, StreamObserver<?> response) {
    if (body.tooLarge()) {
      response.onError(
          Status.RESOURCE_EXHAUSTED
              .withDescription(
                  "compressed request inflates to more than "
                      + maxMessageBytes
                      + " bytes (receivers.grpc.max_message_size); send smaller batches")
              .asRuntimeException());
      return null;
    }
    try {
      return parser.decode(body.bytes(), body.length());
    } catch (InvalidProtocolBufferException e) {
      intake.invalid("grpc");
      response.onError(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "request body ("
                      + body.length()
                      + " bytes) is not an "
                      + expected
                      + ": "
                      + e.getMessage())
              .asRuntimeException());
      return null;
    }
  }

  /**
   * OTLP: RESOURCE_EXHAUSTED is retryable only with RetryInfo, so both refusals carry it; a full
   * exporter is UNAVAILABLE (the backend is the bottleneck, not this request).
   */
  static StatusRuntimeException retryable(Backpressure.Refusal refusal) {
    Code code = refusal.kind().exhausted() ? Code.RESOURCE_EXHAUSTED : Code.UNAVAILABLE;
    com.google.protobuf.Duration delay =
        com.google.protobuf.Duration.newBuilder()
            .setSeconds(refusal.retryAfter().toSeconds())
            .setNanos(refusal.retryAfter().toNanosPart())
            .build();
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(code.getNumber())
            .setMessage(refusal.message())
            .addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(delay).build()))
            .build());
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
    } finally {
      // In-flight calls are done or cancelled; a cancelled call's last callbacks may still run.
      if (executor != null) {
        executor.shutdown();
      }
      if (tls != null) {
        tls.close();
      }
    }
  }

  @Override
  public void close() {
    shutdown(5_000);
  }
}
