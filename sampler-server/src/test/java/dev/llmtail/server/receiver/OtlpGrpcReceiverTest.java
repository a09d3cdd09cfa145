package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.server.config.HostPort;
import dev.llmtail.server.internal.RawBytes;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OtlpGrpcReceiverTest {

  private static final long MAX_MESSAGE = 64 * 1024;

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private TraceBuffer buffer;
  private OtlpGrpcReceiver receiver;
  private ManagedChannel channel;
  private TraceServiceGrpc.TraceServiceBlockingStub client;

  @BeforeEach
  void start() {
    buffer = ReceiverHarness.keepAllBuffer(1000, 1 << 24, meters);
    receiver =
        new OtlpGrpcReceiver(new HostPort("127.0.0.1", 0), MAX_MESSAGE, buffer, meters).start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", receiver.port()).usePlaintext().build();
    client = TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    receiver.close();
  }

  @Test
  void acceptsAValidRequestWithoutPartialSuccess() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    t.child("chat gpt-4o");
    ExportTraceServiceResponse response = client.export(t.request());
    assertThat(response.hasPartialSuccess()).isFalse();
    assertThat(buffer.bufferedTraces()).isEqualTo(1);
    assertThat(
            meters
                .counter("llmtail.receiver.spans", "transport", "grpc", "result", "accepted")
                .count())
        .isEqualTo(2);
  }

  @Test
  void rejectsOnlyTheSpansWithBadIdsAndReportsThemAsPartialSuccess() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    t.child("chat gpt-4o");
    ResourceSpans good = t.resourceSpans();
    Span broken =
        good.getScopeSpans(0).getSpans(1).toBuilder()
            .setName("broken")
            .setTraceId(ByteString.copyFrom(new byte[8]))
            .build();
    ResourceSpans mixed =
        good.toBuilder()
            .setScopeSpans(0, good.getScopeSpans(0).toBuilder().addSpans(broken))
            .build();

    ExportTraceServiceResponse response =
        client.export(ExportTraceServiceRequest.newBuilder().addResourceSpans(mixed).build());

    assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(response.getPartialSuccess().getErrorMessage())
        .contains("rejected 1 of 3 spans", "span 'broken'", "trace_id is 8 bytes");
    assertThat(buffer.bufferedTraces()).isEqualTo(1);
    assertThat(
            meters
                .counter("llmtail.receiver.spans", "transport", "grpc", "result", "rejected")
                .count())
        .isEqualTo(1);
  }

  @Test
  void readsAMessageThatArrivesInManyFramesWhole() {
    TraceBuilder t = TraceBuilder.trace();
    // Over three HTTP/2 frames of 16 KiB, and just under the size limit.
    String prompt = "p".repeat((int) MAX_MESSAGE - 1024);
    t.root("POST /chat").attribute("gen_ai.prompt", prompt);

    assertThat(client.export(t.request()).hasPartialSuccess()).isFalse();
    assertThat(buffer.bufferedTraces()).isEqualTo(1);
    assertThat(t.request().getSerializedSize()).isGreaterThan(3 * 16 * 1024);
  }

  @Test
  void keepsEachRequestsOwnSpansWhenRequestsOfDifferentSizesArriveTogether() throws Exception {
    // The receiver reads bodies into arrays it reuses: each request's spans must still be its own.
    TraceServiceGrpc.TraceServiceFutureStub async =
        TraceServiceGrpc.newFutureStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    List<TraceBuilder> traces = new ArrayList<>();
    List<ListenableFuture<ExportTraceServiceResponse>> answers = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      TraceBuilder t = TraceBuilder.trace();
      String prompt = (i + " ").repeat(i % 3 == 0 ? 12_000 : 40 + i);
      t.root("POST /chat " + i).attribute("gen_ai.prompt", prompt);
      traces.add(t);
      answers.add(async.export(t.request()));
    }
    for (ListenableFuture<ExportTraceServiceResponse> answer : answers) {
      assertThat(answer.get(10, TimeUnit.SECONDS).hasPartialSuccess()).isFalse();
    }

    for (TraceBuilder t : traces) {
      assertThat(buffer.bufferedSpans(t.traceId()))
          .hasValueSatisfying(
              view -> assertThat(view.fragments()).containsExactly(t.resourceSpans()));
    }
  }

  @Test
  void acceptsAGzipCompressedRequest() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    t.child("chat gpt-4o");

    assertThat(client.withCompression("gzip").export(t.request()).hasPartialSuccess()).isFalse();
    assertThat(buffer.bufferedTraces()).isEqualTo(1);
  }

  @Test
  void refusesAGzipRequestThatInflatesAboveTheConfiguredSize() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat").attribute("gen_ai.prompt", "x".repeat((int) MAX_MESSAGE));

    // As gRPC answers an uncompressed message over the limit: not retryable as it is (no
    // RetryInfo), and the message names the setting and the fix.
    assertThatThrownBy(() -> client.withCompression("gzip").export(t.request()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription())
                  .contains("receivers.grpc.max_message_size")
                  .contains("send smaller batches");
            });
    assertThat(buffer.bufferedTraces()).isZero();
  }

  @Test
  void answersAnUnparseableBodyWithInvalidArgument() {
    MethodDescriptor<byte[], ExportTraceServiceResponse> raw =
        TraceServiceGrpc.getExportMethod().toBuilder(
                new RawBytes(), TraceServiceGrpc.getExportMethod().getResponseMarshaller())
            .build();
    byte[] garbage = {(byte) 0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02};

    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    raw,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                    garbage))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .contains("is not an ExportTraceServiceRequest");
            });
    assertThat(buffer.bufferedTraces()).isZero();
  }

  @Test
  void refusesAMessageAboveTheConfiguredSizeWithResourceExhausted() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat").attribute("gen_ai.prompt", "x".repeat((int) MAX_MESSAGE));

    assertThatThrownBy(() -> client.export(t.request()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription()).contains("exceeds maximum");
            });
    assertThat(buffer.bufferedTraces()).isZero();
  }
}
