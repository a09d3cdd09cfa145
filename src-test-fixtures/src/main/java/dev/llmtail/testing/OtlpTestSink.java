package dev.llmtail.testing;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.RetryInfo;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * An OTLP/gRPC trace receiver on loopback, built on the official service stubs, that records what
 * it receives. Stands in for the backend llmtail exports to. Can be told to fail the next N
 * requests with a status, to exercise retries.
 */
public final class OtlpTestSink implements AutoCloseable {

  private final List<ExportTraceServiceRequest> requests = new CopyOnWriteArrayList<>();
  private final List<LogRecord> logRecords = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresToSend = new AtomicInteger();
  private final AtomicInteger failedRequests = new AtomicInteger();
  private volatile Supplier<Throwable> failWith = () -> Status.UNAVAILABLE.asRuntimeException();
  private final Server server;
  private volatile Metadata lastHeaders = new Metadata();

  private OtlpTestSink() {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(
                ServerInterceptors.intercept(
                    new Service(),
                    new ServerInterceptor() {
                      @Override
                      public <Q, R> ServerCall.Listener<Q> interceptCall(
                          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                        lastHeaders = headers;
                        return next.startCall(call, headers);
                      }
                    }))
            .addService(new LogsService())
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the test OTLP sink on loopback", e);
    }
  }

  public static OtlpTestSink start() {
    return new OtlpTestSink();
  }

  /** {@code host:port} to point an exporter at. */
  public String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  /** Answers the next {@code count} requests with {@code status} instead of accepting them. */
  public void failNext(int count, Status status) {
    this.failWith = () -> status.withDescription("test sink told to fail").asRuntimeException();
    failuresToSend.set(count);
  }

  /** Like {@link #failNext(int, Status)}, with a {@code google.rpc.RetryInfo} retry delay. */
  public void failNextWithRetryInfo(int count, Status.Code code, Duration retryDelay) {
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(code.value())
            .setMessage("test sink told to fail; retry later")
            .addDetails(
                Any.pack(
                    RetryInfo.newBuilder()
                        .setRetryDelay(
                            com.google.protobuf.Duration.newBuilder()
                                .setSeconds(retryDelay.getSeconds())
                                .setNanos(retryDelay.getNano()))
                        .build()))
            .build();
    this.failWith = () -> StatusProto.toStatusRuntimeException(status);
    failuresToSend.set(count);
  }

  public int failedRequests() {
    return failedRequests.get();
  }

  /** The value of a request header on the most recent request, or null. */
  public String lastHeader(String name) {
    return lastHeaders.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
  }

  public List<ExportTraceServiceRequest> requests() {
    return List.copyOf(requests);
  }

  /** Every span received, in arrival order. */
  public List<Span> spans() {
    List<Span> all = new ArrayList<>();
    for (ExportTraceServiceRequest r : requests) {
      for (ResourceSpans rs : r.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          all.addAll(ss.getSpansList());
        }
      }
    }
    return all;
  }

  /** The spans received for one trace (hex id). */
  public List<Span> spansOf(String traceIdHex) {
    ByteString id = ByteString.copyFrom(HexFormat.of().parseHex(traceIdHex));
    return spans().stream().filter(s -> s.getTraceId().equals(id)).toList();
  }

  /** Every log record received on the logs service, in arrival order. */
  public List<LogRecord> logRecords() {
    return List.copyOf(logRecords);
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class LogsService extends LogsServiceGrpc.LogsServiceImplBase {
    @Override
    public void export(
        ExportLogsServiceRequest request, StreamObserver<ExportLogsServiceResponse> response) {
      request
          .getResourceLogsList()
          .forEach(
              rl -> rl.getScopeLogsList().forEach(sl -> logRecords.addAll(sl.getLogRecordsList())));
      response.onNext(ExportLogsServiceResponse.getDefaultInstance());
      response.onCompleted();
    }
  }

  private final class Service extends TraceServiceGrpc.TraceServiceImplBase {
    @Override
    public void export(
        ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
      if (failuresToSend.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        failedRequests.incrementAndGet();
        response.onError(failWith.get());
        return;
      }
      requests.add(request);
      response.onNext(ExportTraceServiceResponse.getDefaultInstance());
      response.onCompleted();
    }
  }
}
