package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile input with a documented, bounded treatment (docs/operations.md, "Hostile input"): each
 * case is answered clearly, counted, and leaves the receivers serving other traces.
 */
class HostileInputTest {

  private static final byte[] TRACE_ID = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

  private ReceiverHarness harness = new ReceiverHarness();
  private ManagedChannel channel = channelTo(harness);
  private TraceServiceGrpc.TraceServiceBlockingStub client =
      TraceServiceGrpc.newBlockingStub(channel);

  private static ManagedChannel channelTo(ReceiverHarness h) {
    return NettyChannelBuilder.forAddress("127.0.0.1", h.grpc.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    harness.close();
  }

  private ExportTraceServiceResponse export(ExportTraceServiceRequest request) {
    return client.withDeadlineAfter(10, TimeUnit.SECONDS).export(request);
  }

  private static Span span(long spanId, long parentId, String name) {
    Span.Builder s =
        Span.newBuilder()
            .setTraceId(ByteString.copyFrom(TRACE_ID))
            .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(spanId).array()))
            .setName(name)
            .setStartTimeUnixNano(1)
            .setEndTimeUnixNano(2);
    if (parentId != 0) {
      s.setParentSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(parentId).array()));
    }
    return s.build();
  }

  private static ExportTraceServiceRequest requestOf(Iterable<Span> spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans)))
        .build();
  }

  private void stillServesOtherTraces() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    double before = harness.spans("grpc", "accepted");
    assertThat(export(t.request()).hasPartialSuccess()).isFalse();
    assertThat(harness.spans("grpc", "accepted")).isEqualTo(before + 1);
  }

  @Test
  void aTraceWith100000SpansIsDecidedOnceItPassesMaxTraceSpansAndTheRestFollow() {
    java.util.List<Span> chunk = new java.util.ArrayList<>(1000);
    for (int i = 1; i <= 100_000; i++) {
      chunk.add(span(i, i == 1 ? 0 : 1, "step"));
      if (chunk.size() == 1000) {
        export(requestOf(chunk));
        chunk.clear();
      }
    }
    assertThat(harness.spans("grpc", "accepted")).isEqualTo(100_000);
    // Over 10 000 (the default max_trace_spans) after the 11th request of 1000: decided on those.
    assertThat(harness.buffer.bufferedTraces()).isZero();
    assertThat(
            harness
                .meters
                .counter("llmtail.buffer.decided.over_limit", "limit", "max_trace_spans")
                .count())
        .isEqualTo(1);
    assertThat(harness.meters.counter("llmtail.late.spans", "outcome", "kept").count())
        .isEqualTo(89_000);
    stillServesOtherTraces();
  }

  @Test
  void duplicatedSpanIdsAreAcceptedAsSent() {
    ExportTraceServiceResponse response =
        export(requestOf(java.util.List.of(span(7, 0, "a"), span(7, 0, "b"))));
    assertThat(response.hasPartialSuccess()).isFalse();
    assertThat(harness.spans("grpc", "accepted")).isEqualTo(2);
  }

  @Test
  void aFloodOfOneSpanTracesIsBoundedByMaxTraces() {
    channel.shutdownNow();
    harness.close();
    harness = new ReceiverHarness(100);
    channel = channelTo(harness);
    client = TraceServiceGrpc.newBlockingStub(channel);
    for (int request = 0; request < 20; request++) {
      TraceBuilder[] traces = new TraceBuilder[100];
      for (int i = 0; i < traces.length; i++) {
        traces[i] = TraceBuilder.trace();
        traces[i].root("GET /health");
      }
      export(TraceBuilder.requestOf(traces));
    }
    assertThat(harness.buffer.bufferedTraces()).isLessThanOrEqualTo(100);
    assertThat(harness.meters.get("llmtail.buffer.decided.early").counter().count())
        .isGreaterThanOrEqualTo(1900);
    assertThat(harness.spans("grpc", "accepted")).isEqualTo(2000);
  }

  @Test
  void deeplyNestedAttributeValuesAreRefusedAsInvalid() {
    AnyValue nested = AnyValue.newBuilder().setStringValue("bottom").build();
    for (int depth = 0; depth < 120; depth++) {
      nested =
          AnyValue.newBuilder()
              .setKvlistValue(
                  KeyValueList.newBuilder()
                      .addValues(KeyValue.newBuilder().setKey("k").setValue(nested)))
              .build();
    }
    Span deep =
        span(1, 0, "deep").toBuilder()
            .addAttributes(KeyValue.newBuilder().setKey("deep").setValue(nested))
            .build();
    assertThatThrownBy(() -> export(requestOf(java.util.List.of(deep))))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("nesting");
            });
    assertThat(harness.invalidRequests("grpc")).isEqualTo(1);
    stillServesOtherTraces();
  }

  @Test
  void aHugeAttributeValueWithinTheSizeLimitIsAcceptedAndBeyondItRefused() throws Exception {
    Span big =
        span(1, 0, "big").toBuilder()
            .addAttributes(
                KeyValue.newBuilder()
                    .setKey("gen_ai.prompt")
                    .setValue(
                        AnyValue.newBuilder()
                            .setStringValue("x".repeat(ReceiverHarness.MAX_BODY / 2))))
            .build();
    export(requestOf(java.util.List.of(big)));
    assertThat(harness.spans("grpc", "accepted")).isEqualTo(1);

    Span huge =
        span(2, 0, "huge").toBuilder()
            .addAttributes(
                KeyValue.newBuilder()
                    .setKey("gen_ai.prompt")
                    .setValue(
                        AnyValue.newBuilder()
                            .setStringValue("x".repeat(ReceiverHarness.MAX_BODY * 2))))
            .build();
    int status =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + harness.http.port() + "/v1/traces"))
                    .header("Content-Type", "application/x-protobuf")
                    .POST(
                        HttpRequest.BodyPublishers.ofByteArray(
                            requestOf(java.util.List.of(huge)).toByteArray()))
                    .build(),
                HttpResponse.BodyHandlers.discarding())
            .statusCode();
    assertThat(status).isEqualTo(413);
    stillServesOtherTraces();
  }

  @Test
  void invalidUtf8InAStringFieldIsRefusedAsInvalid() {
    byte[] body = requestOf(java.util.List.of(span(1, 0, "MARKER"))).toByteArray();
    byte[] marker = "MARKER".getBytes(StandardCharsets.US_ASCII);
    int at = indexOf(body, marker);
    body[at] = (byte) 0xC3; // starts a two-byte sequence that 'A' cannot continue
    body[at + 1] = (byte) 'A';
    assertThatThrownBy(() -> export(ExportTraceServiceRequest.parseFrom(body)))
        .isInstanceOf(
            com.google.protobuf.InvalidProtocolBufferException
                .class); // the client cannot even build it
    int status;
    try {
      status =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .build()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + harness.http.port() + "/v1/traces"))
                      .header("Content-Type", "application/x-protobuf")
                      .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertThat(status).isEqualTo(400);
    assertThat(harness.invalidRequests("http")).isEqualTo(1);
    stillServesOtherTraces();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("marker not found");
  }
}
