package dev.llmtail.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The backend llmtail exports to, in the generator's JVM: counts exported spans and records, per
 * trace, when its spans first arrived, so the run can compute last-span-to-export latency against
 * the generator's send times. Listens on 127.0.0.1 only.
 */
final class LatencySink implements AutoCloseable {

  private final Server server;
  private final AtomicLong spans = new AtomicLong();
  private volatile AtomicLongArray arrivals = new AtomicLongArray(1);

  LatencySink() {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("opentelemetry.proto.collector.trace.v1.TraceService")
            .addMethod(RawBytes.EXPORT, ServerCalls.asyncUnaryCall(this::export))
            .build();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(service)
            .maxInboundMessageSize(64 << 20)
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void export(byte[] body, io.grpc.stub.StreamObserver<byte[]> response) {
    long now = System.nanoTime();
    ExportTraceServiceRequest request;
    try {
      request = ExportTraceServiceRequest.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      response.onError(
          Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    AtomicLongArray a = arrivals;
    long count = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          count++;
          long seq = TrafficMix.sequenceOf(s.getTraceId());
          if (seq >= 0 && seq < a.length() && a.get((int) seq) == 0) {
            a.compareAndSet((int) seq, 0, now);
          }
        }
      }
    }
    spans.addAndGet(count);
    response.onNext(ExportTraceServiceResponse.getDefaultInstance().toByteArray());
    response.onCompleted();
  }

  /** Forgets what arrived and makes room for traces numbered below {@code capacity}. */
  void reset(int capacity) {
    arrivals = new AtomicLongArray(capacity);
    spans.set(0);
  }

  /** When the first span of trace {@code seq} arrived ({@link System#nanoTime}), or 0. */
  long arrival(long seq) {
    AtomicLongArray a = arrivals;
    return seq < a.length() ? a.get((int) seq) : 0;
  }

  long spans() {
    return spans.get();
  }

  String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() {
    try {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
