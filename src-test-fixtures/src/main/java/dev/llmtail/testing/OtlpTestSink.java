package dev.llmtail.testing;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OTLP/gRPC trace receiver on loopback, built on the official service stubs, that records what
 * it receives. Stands in for the backend llmtail exports to. Can be told to fail the next N
 * requests with a status, to exercise retries.
 */
public final class OtlpTestSink implements AutoCloseable {

  private final List<ExportTraceServiceRequest> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresToSend = new AtomicInteger();
  private final AtomicInteger failedRequests = new AtomicInteger();
  private volatile Status failWith = Status.UNAVAILABLE;
  private final Server server;

  private OtlpTestSink() {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new Service())
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
    this.failWith = status;
    failuresToSend.set(count);
  }

  public int failedRequests() {
    return failedRequests.get();
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

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Service extends TraceServiceGrpc.TraceServiceImplBase {
    @Override
    public void export(
        ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
      if (failuresToSend.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        failedRequests.incrementAndGet();
        response.onError(failWith.withDescription("test sink told to fail").asRuntimeException());
        return;
      }
      requests.add(request);
      response.onNext(ExportTraceServiceResponse.getDefaultInstance());
      response.onCompleted();
    }
  }
}
