package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.llmtail.server.internal.RawBytes;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Malformed requests, generated, against both receivers: every one gets a clear answer (HTTP 200 or
 * 400, gRPC OK or INVALID_ARGUMENT — never a 5xx, INTERNAL or a dropped connection), every span of
 * a decodable request is counted as accepted or rejected, and a valid request right after is still
 * accepted.
 */
class MalformedRequestPropertiesTest {

  private static ReceiverHarness harness;
  private static ManagedChannel channel;
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private static final MethodDescriptor<byte[], ExportTraceServiceResponse> RAW_EXPORT =
      TraceServiceGrpc.getExportMethod().toBuilder(
              new RawBytes(), TraceServiceGrpc.getExportMethod().getResponseMarshaller())
          .build();

  @BeforeContainer
  static void start() {
    harness = new ReceiverHarness();
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", harness.grpc.port()).usePlaintext().build();
  }

  @AfterContainer
  static void stop() {
    channel.shutdownNow();
    harness.close();
  }

  private static int postHttp(String contentType, byte[] body)
      throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + harness.http.port() + "/v1/traces"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** The gRPC status code of an export of these raw bytes. */
  private static Status.Code postGrpc(byte[] body) {
    try {
      ClientCalls.blockingUnaryCall(
          channel, RAW_EXPORT, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), body);
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static void stillAcceptsAValidRequest() throws Exception {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    assertThat(postHttp("application/x-protobuf", t.request().toByteArray())).isEqualTo(200);
    assertThat(postGrpc(t.request().toByteArray())).isEqualTo(Status.Code.OK);
  }

  @Property(tries = 200)
  void arbitraryBytesAreAnsweredAsAcceptedOrInvalid(@ForAll @Size(max = 2048) byte[] body)
      throws Exception {
    assertThat(postHttp("application/x-protobuf", body)).isIn(200, 400);
    assertThat(postGrpc(body)).isIn(Status.Code.OK, Status.Code.INVALID_ARGUMENT);
    assertThat(postHttp("application/json", body)).isIn(200, 400);
  }

  @Property(tries = 200)
  void truncatedOrCorruptedRequestsAreAnsweredAsAcceptedOrInvalid(
      @ForAll("validRequests") byte[] valid, @ForAll("corruptions") Corruption corruption)
      throws Exception {
    byte[] body = corruption.apply(valid);
    double before = harness.acceptedOrRejected("http");
    int status = postHttp("application/x-protobuf", body);
    assertThat(status).isIn(200, 400);
    if (status == 200) {
      int spans = SpanIntake.countSpans(ExportTraceServiceRequest.parseFrom(body));
      assertThat(harness.acceptedOrRejected("http") - before).isEqualTo(spans);
    }
    assertThat(postGrpc(body)).isIn(Status.Code.OK, Status.Code.INVALID_ARGUMENT);
  }

  @Property(tries = 100)
  void spansWithAnyIdsAreEachAcceptedOrRejected(@ForAll("spansWithArbitraryIds") List<Span> spans)
      throws Exception {
    ExportTraceServiceRequest request =
        ExportTraceServiceRequest.newBuilder()
            .addResourceSpans(
                ResourceSpans.newBuilder()
                    .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans)))
            .build();
    double before = harness.acceptedOrRejected("grpc");
    assertThat(postGrpc(request.toByteArray())).isEqualTo(Status.Code.OK);
    assertThat(harness.acceptedOrRejected("grpc") - before).isEqualTo(spans.size());
  }

  @Property(tries = 200)
  void jsonWithValuesOfTheWrongTypeIsAnsweredAsAcceptedOrInvalid(
      @ForAll("otlpJsonWithWrongTypes") String json) throws Exception {
    assertThat(postHttp("application/json", json.getBytes(StandardCharsets.UTF_8)))
        .as(json)
        .isIn(200, 400);
  }

  @Property(tries = 1)
  void afterAllThatAValidRequestIsStillAccepted() throws Exception {
    stillAcceptsAValidRequest();
  }

  @Provide
  Arbitrary<byte[]> validRequests() {
    return Arbitraries.integers()
        .between(1, 6)
        .map(
            n -> {
              TraceBuilder t = TraceBuilder.trace();
              t.root("POST /chat").attribute("gen_ai.request.model", "gpt-4o");
              for (int i = 1; i < n; i++) {
                t.child("chat " + i).attribute("gen_ai.usage.input_tokens", i);
              }
              return t.request().toByteArray();
            });
  }

  /** A way to damage an encoded request. */
  interface Corruption {
    byte[] apply(byte[] body);
  }

  @Provide
  Arbitrary<Corruption> corruptions() {
    Arbitrary<Corruption> truncate =
        Arbitraries.doubles()
            .between(0, 1)
            .map(f -> b -> java.util.Arrays.copyOf(b, (int) (b.length * f)));
    Arbitrary<Corruption> flip =
        Combinators.combine(Arbitraries.doubles().between(0, 1), Arbitraries.bytes())
            .as(
                (f, x) ->
                    b -> {
                      byte[] c = b.clone();
                      if (c.length > 0) {
                        c[Math.min(c.length - 1, (int) (c.length * f))] ^= x == 0 ? 1 : x;
                      }
                      return c;
                    });
    Arbitrary<Corruption> append =
        Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(tail -> b -> concat(b, tail));
    return Arbitraries.oneOf(truncate, flip, append);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  @Provide
  Arbitrary<List<Span>> spansWithArbitraryIds() {
    Arbitrary<ByteString> id =
        Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(20),
                Arbitraries.just(new byte[16]),
                Arbitraries.just(new byte[8]),
                Arbitraries.bytes().array(byte[].class).ofSize(16),
                Arbitraries.bytes().array(byte[].class).ofSize(8))
            .map(ByteString::copyFrom);
    Arbitrary<Span> span =
        Combinators.combine(id, id, id, Arbitraries.strings().ofMaxLength(20))
            .as(
                (traceId, spanId, parentId, name) ->
                    Span.newBuilder()
                        .setTraceId(traceId)
                        .setSpanId(spanId)
                        .setParentSpanId(parentId)
                        .setName(name)
                        .build());
    return span.list().ofMaxSize(20);
  }

  @Provide
  Arbitrary<String> otlpJsonWithWrongTypes() {
    Arbitrary<String> value =
        Arbitraries.oneOf(
            Arbitraries.just("null"),
            Arbitraries.just("true"),
            Arbitraries.just("[]"),
            Arbitraries.just("{}"),
            Arbitraries.just("[{}]"),
            Arbitraries.just("\"5b8efff798038103d269b633813fc60c\""),
            Arbitraries.just("\"eee19b7ec3c1b174\""),
            Arbitraries.longs().map(String::valueOf),
            Arbitraries.doubles().map(String::valueOf),
            Arbitraries.strings()
                .ofMaxLength(12)
                .map(s -> "\"" + s.replace("\\", "").replace("\"", "") + "\""));
    Arbitrary<String> key =
        Arbitraries.of(
            "traceId",
            "spanId",
            "parentSpanId",
            "name",
            "kind",
            "startTimeUnixNano",
            "endTimeUnixNano",
            "attributes",
            "status",
            "events",
            "links",
            "flags",
            "droppedAttributesCount");
    return Combinators.combine(key, value, key, value)
        .as(
            (k1, v1, k2, v2) ->
                "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\","
                    + "\"spanId\":\"eee19b7ec3c1b174\",\""
                    + k1
                    + "\":"
                    + v1
                    + ",\""
                    + k2
                    + "\":"
                    + v2
                    + "}]}]}]}");
  }
}
