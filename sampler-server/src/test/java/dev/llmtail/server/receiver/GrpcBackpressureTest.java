package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.RetryInfo;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The OTLP/gRPC side of backpressure: retryable codes with RetryInfo, nothing admitted. */
class GrpcBackpressureTest {

  private final ReceiverHarness harness = new ReceiverHarness();
  private final ManagedChannel channel =
      NettyChannelBuilder.forAddress("127.0.0.1", harness.grpc.port()).usePlaintext().build();
  private final TraceServiceGrpc.TraceServiceBlockingStub client =
      TraceServiceGrpc.newBlockingStub(channel);

  @AfterEach
  void stop() {
    channel.shutdownNow();
    harness.close();
  }

  private static TraceBuilder twoSpanTrace() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    t.child("chat gpt-4o");
    return t;
  }

  private void assertRefusedWith(Status.Code code, String message) {
    assertThatThrownBy(
            () -> client.withDeadlineAfter(10, TimeUnit.SECONDS).export(twoSpanTrace().request()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(message);
              com.google.rpc.Status details = StatusProto.fromThrowable(e);
              assertThat(details).isNotNull();
              assertThat(details.getDetailsList())
                  .anySatisfy(d -> assertThat(d.is(RetryInfo.class)).isTrue());
            });
    assertThat(harness.buffer.bufferedTraces()).isZero();
  }

  @Test
  void aFullBufferIsResourceExhaustedWithRetryInfo() {
    harness.bufferFull.set(true);
    assertRefusedWith(Status.Code.RESOURCE_EXHAUSTED, "buffer is full");
    assertThat(harness.spans("grpc", "refused")).isEqualTo(2);
  }

  @Test
  void aFullExporterIsUnavailableWithRetryInfo() {
    harness.exporterFull.set(true);
    assertRefusedWith(Status.Code.UNAVAILABLE, "export queue is full");
  }

  @Test
  void acceptsAgainOnceThePressureIsGone() {
    harness.bufferFull.set(true);
    assertRefusedWith(Status.Code.RESOURCE_EXHAUSTED, "buffer is full");
    harness.bufferFull.set(false);
    client.withDeadlineAfter(10, TimeUnit.SECONDS).export(twoSpanTrace().request());
    assertThat(harness.buffer.bufferedTraces()).isEqualTo(1);
  }
}
