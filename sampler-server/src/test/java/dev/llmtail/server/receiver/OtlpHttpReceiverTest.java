package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import dev.llmtail.core.TraceId;
import dev.llmtail.server.codec.OtlpJson;
import dev.llmtail.testing.TraceBuilder;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OtlpHttpReceiverTest {

  private static final String PROTOBUF = "application/x-protobuf";
  private static final String JSON = "application/json";

  private final ReceiverHarness harness = new ReceiverHarness();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @AfterEach
  void stop() {
    harness.close();
  }

  private HttpResponse<byte[]> post(String path, String contentType, String encoding, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + harness.http.port() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (encoding != null) {
      request.header("Content-Encoding", encoding);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static TraceBuilder twoSpanTrace() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    t.child("chat gpt-4o");
    return t;
  }

  private static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    }
    return out.toByteArray();
  }

  private static Status status(HttpResponse<byte[]> response) throws IOException {
    return Status.parseFrom(response.body());
  }

  @Test
  void acceptsProtobufAndAnswersInProtobuf() throws Exception {
    TraceBuilder t = twoSpanTrace();
    HttpResponse<byte[]> response = post("/v1/traces", PROTOBUF, null, t.request().toByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(PROTOBUF);
    assertThat(ExportTraceServiceResponse.parseFrom(response.body()).hasPartialSuccess()).isFalse();
    assertThat(harness.buffer.bufferedTraces()).isEqualTo(1);
    assertThat(harness.spans("http", "accepted")).isEqualTo(2);
  }

  @Test
  void acceptsGzipBodies() throws Exception {
    HttpResponse<byte[]> response =
        post("/v1/traces", PROTOBUF, "gzip", gzip(twoSpanTrace().request().toByteArray()));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(harness.spans("http", "accepted")).isEqualTo(2);
  }

  @Test
  void acceptsOtlpJsonWithHexIdsEnumsAsIntsAndInt64AsStringsOrNumbers() throws Exception {
    String traceId = "5b8efff798038103d269b633813fc60c";
    String json =
        """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"chat-api"}}]},
          "scopeSpans":[{"scope":{"name":"test"},"spans":[
            {"traceId":"%s","spanId":"eee19b7ec3c1b174","name":"POST /chat","kind":2,
             "startTimeUnixNano":"1544712660000000000","endTimeUnixNano":1544712661000000000,
             "attributes":[{"key":"tokens","value":{"intValue":"42"}}],
             "status":{"code":2}},
            {"traceId":"%s","spanId":"eee19b7ec3c1b173","parentSpanId":"eee19b7ec3c1b174",
             "name":"chat gpt-4o","kind":"SPAN_KIND_CLIENT","someFutureField":true}]}]}]}
        """
            .formatted(traceId, traceId);

    HttpResponse<byte[]> response =
        post("/v1/traces", JSON, null, json.getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(JSON);
    assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
    assertThat(harness.buffer.bufferedTraces()).isEqualTo(1);
    assertThat(
            harness.buffer.rememberedDecision(
                TraceId.fromBytesOrNull(
                    com.google.protobuf.ByteString.copyFrom(HexFormat.of().parseHex(traceId)))))
        .isEmpty(); // buffered, not yet decided
    assertThat(harness.spans("http", "accepted")).isEqualTo(2);
  }

  @Test
  void reportsSpansWithBadIdsAsPartialSuccessInJson() throws Exception {
    String json =
        """
        {"resourceSpans":[{"scopeSpans":[{"spans":[
          {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"ok"},
          {"traceId":"00000000000000000000000000000000","spanId":"eee19b7ec3c1b175","name":"zero-trace"}]}]}]}
        """;
    HttpResponse<byte[]> response =
        post("/v1/traces", JSON, null, json.getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(200);
    String body = new String(response.body(), StandardCharsets.UTF_8);
    assertThat(body)
        .contains("\"rejectedSpans\":\"1\"")
        .contains("zero-trace")
        .contains("trace_id");
    assertThat(harness.spans("http", "rejected")).isEqualTo(1);
    assertThat(harness.spans("http", "accepted")).isEqualTo(1);
  }

  @Test
  void answersGarbageProtobufWith400AndAMessage() throws Exception {
    HttpResponse<byte[]> response =
        post("/v1/traces", PROTOBUF, null, new byte[] {0x0a, 0x7f, 0x01});
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(status(response).getMessage()).contains("not a protobuf ExportTraceServiceRequest");
    assertThat(status(response).getCode()).isEqualTo(com.google.rpc.Code.INVALID_ARGUMENT_VALUE);
    assertThat(harness.invalidRequests("http")).isEqualTo(1);
  }

  @Test
  void answersJsonOfTheWrongTypesWith400InJson() throws Exception {
    for (String bad :
        new String[] {
          "{\"resourceSpans\":{\"not\":\"a list\"}}",
          "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"xyz\"}]}]}]}",
          "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"soon\"}]}]}]}",
          "[1,2,3]",
          "{\"resourceSpans\": [",
        }) {
      HttpResponse<byte[]> response =
          post("/v1/traces", JSON, null, bad.getBytes(StandardCharsets.UTF_8));
      assertThat(response.statusCode()).as(bad).isEqualTo(400);
      assertThat(response.headers().firstValue("Content-Type")).hasValue(JSON);
      assertThat(new String(response.body(), StandardCharsets.UTF_8))
          .as(bad)
          .contains("\"message\":");
    }
    assertThat(harness.invalidRequests("http")).isEqualTo(5);
  }

  @Test
  void answersBodiesOverTheLimitWith413BeforeAndAfterGzip() throws Exception {
    byte[] big = new byte[ReceiverHarness.MAX_BODY + 1];
    assertThat(post("/v1/traces", PROTOBUF, null, big).statusCode()).isEqualTo(413);

    byte[] bomb = gzip(new byte[ReceiverHarness.MAX_BODY * 100]); // ~6 MiB of zeros in ~6 KiB
    assertThat(bomb.length).isLessThan(ReceiverHarness.MAX_BODY);
    HttpResponse<byte[]> response = post("/v1/traces", PROTOBUF, "gzip", bomb);
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(status(response).getMessage()).contains("max_request_size");
  }

  /** A trace of {@code spans} spans whose prompts make its request about 1.3 KiB per span. */
  private static TraceBuilder largeTrace(int spans) {
    Random random = new Random(spans);
    TraceBuilder t = TraceBuilder.trace();
    TraceBuilder.SpanBuilder root = t.root("POST /chat");
    for (int i = 0; i < spans - 1; i++) {
      StringBuilder prompt = new StringBuilder();
      for (int w = 0; w < 200; w++) {
        prompt.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
      }
      root.child("chat gpt-4o").attribute("gen_ai.prompt", prompt.toString());
    }
    return t;
  }

  private static final String[] WORDS = {
    "the", "model", "answered", "refund", "order", "déjà", "vu", "日本語", "tokens", "why"
  };

  /** The spans the buffer holds for {@code t}, as they were sent. */
  private List<ResourceSpans> buffered(TraceBuilder t) {
    return harness.buffer.bufferedSpans(t.traceId()).orElseThrow().fragments();
  }

  @Test
  void acceptsLargePlainAndGzipProtobufAndJsonBodiesByteForByte() throws Exception {
    TraceBuilder t = largeTrace(40);
    byte[] protobuf = t.request().toByteArray();
    byte[] json = OtlpJson.tracesData(List.of(t.resourceSpans())).getBytes(StandardCharsets.UTF_8);
    assertThat(protobuf.length).isBetween(ReceiverHarness.MAX_BODY / 2, ReceiverHarness.MAX_BODY);
    assertThat(json.length).isBetween(ReceiverHarness.MAX_BODY / 2, ReceiverHarness.MAX_BODY);

    assertThat(post("/v1/traces", PROTOBUF, null, protobuf).statusCode()).isEqualTo(200);
    assertThat(post("/v1/traces", PROTOBUF, "gzip", gzip(protobuf)).statusCode()).isEqualTo(200);
    assertThat(post("/v1/traces", JSON, null, json).statusCode()).isEqualTo(200);
    assertThat(post("/v1/traces", JSON, "gzip", gzip(json)).statusCode()).isEqualTo(200);

    assertThat(harness.spans("http", "accepted")).isEqualTo(4 * 40);
    assertThat(buffered(t)).containsOnly(t.resourceSpans()).hasSize(4);
    assertThat(harness.buffer.bufferedSpans(t.traceId()).orElseThrow().encodedFragments())
        .allSatisfy(bytes -> assertThat(bytes).isEqualTo(t.resourceSpans().toByteArray()));
  }

  @Test
  void acceptsGzipBodiesOfSeveralMembersWhoseTrailerStatesOnlyTheLast() throws Exception {
    TraceBuilder t = largeTrace(40);
    byte[] protobuf = t.request().toByteArray();
    int half = protobuf.length / 2;
    ByteArrayOutputStream members = new ByteArrayOutputStream();
    members.write(gzip(Arrays.copyOfRange(protobuf, 0, half)));
    members.write(gzip(Arrays.copyOfRange(protobuf, half, half + 10)));
    members.write(gzip(Arrays.copyOfRange(protobuf, half + 10, protobuf.length)));

    assertThat(post("/v1/traces", PROTOBUF, "gzip", members.toByteArray()).statusCode())
        .isEqualTo(200);
    assertThat(buffered(t)).containsExactly(t.resourceSpans());
  }

  @Test
  void readsBodiesUpToTheLimitAndRefusesOneByteMorePlainOrGzipped() throws Exception {
    byte[] protobuf = largeTrace(60).request().toByteArray();
    assertThat(protobuf.length).isGreaterThan(ReceiverHarness.MAX_BODY);
    // Cut mid-span: read whole, then refused as a truncated message (400), not as too large.
    byte[] atLimit = Arrays.copyOf(protobuf, ReceiverHarness.MAX_BODY);
    byte[] overLimit = Arrays.copyOf(protobuf, ReceiverHarness.MAX_BODY + 1);

    assertThat(post("/v1/traces", PROTOBUF, null, atLimit).statusCode()).isEqualTo(400);
    assertThat(post("/v1/traces", PROTOBUF, "gzip", gzip(atLimit)).statusCode()).isEqualTo(400);
    assertThat(post("/v1/traces", PROTOBUF, null, overLimit).statusCode()).isEqualTo(413);
    HttpResponse<byte[]> gzipped = post("/v1/traces", PROTOBUF, "gzip", gzip(overLimit));
    assertThat(gzipped.statusCode()).isEqualTo(413);
    assertThat(status(gzipped).getMessage())
        .contains("more than " + ReceiverHarness.MAX_BODY + " bytes");
    assertThat(harness.buffer.bufferedTraces()).isZero();
  }

  @Test
  void answersCorruptGzipWith400() throws Exception {
    HttpResponse<byte[]> response = post("/v1/traces", PROTOBUF, "gzip", new byte[] {1, 2, 3, 4});
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(status(response).getMessage()).contains("not valid gzip");
  }

  @Test
  void answersUnsupportedContentTypeOrEncodingWith415() throws Exception {
    HttpResponse<byte[]> text = post("/v1/traces", "text/plain", null, new byte[] {1});
    assertThat(text.statusCode()).isEqualTo(415);
    assertThat(new String(text.body(), StandardCharsets.UTF_8))
        .contains("Content-Type 'text/plain' is not supported");
  }

  @Test
  void answersCurlsDefaultContentTypeWithASentenceSayingWhichHeaderToAdd() throws Exception {
    // What `curl -d @trace.json` sends without -H: the answer must be readable in a terminal.
    HttpResponse<byte[]> form =
        post(
            "/v1/traces",
            "application/x-www-form-urlencoded",
            null,
            "{}".getBytes(StandardCharsets.UTF_8));
    assertThat(form.statusCode()).isEqualTo(415);
    assertThat(form.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    assertThat(new String(form.body(), StandardCharsets.UTF_8))
        .isEqualTo(
            "415 Unsupported Media Type: Content-Type 'application/x-www-form-urlencoded' is not"
                + " supported (expected: application/x-protobuf or application/json; with curl,"
                + " add -H 'Content-Type: application/json')\n");
  }

  @Test
  void answersAnUnsupportedEncodingWith415InTheRequestsContentType() throws Exception {

    HttpResponse<byte[]> brotli = post("/v1/traces", PROTOBUF, "br", new byte[] {1});
    assertThat(brotli.statusCode()).isEqualTo(415);
    assertThat(status(brotli).getMessage()).contains("Content-Encoding 'br'");
  }

  @Test
  void answersUnknownPathsWith404AndOtherMethodsWith405() throws Exception {
    assertThat(post("/v1/metrics", PROTOBUF, null, new byte[0]).statusCode()).isEqualTo(404);

    HttpResponse<byte[]> get =
        client.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + harness.http.port() + "/v1/traces"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
  }

  @Test
  void refusesWith429AndRetryAfterWhenTheBufferIsFull() throws Exception {
    harness.bufferFull.set(true);
    HttpResponse<byte[]> response =
        post("/v1/traces", PROTOBUF, null, twoSpanTrace().request().toByteArray());

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(status(response).getMessage()).contains("buffer is full");
    assertThat(harness.buffer.bufferedTraces()).isZero();
    assertThat(harness.spans("http", "refused")).isEqualTo(2);
  }

  @Test
  void refusesWith503AndRetryAfterWhenTheExporterIsFull() throws Exception {
    harness.exporterFull.set(true);
    HttpResponse<byte[]> response =
        post("/v1/traces", JSON, null, "{}".getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(new String(response.body(), StandardCharsets.UTF_8))
        .contains("export queue is full");
  }

  @Test
  void logRecordsWithATraceIdJoinTheirTraceAndUndecodableBodiesAreRefused() throws Exception {
    TraceId trace = TraceBuilder.trace().traceId();
    ExportLogsServiceRequest logs =
        ExportLogsServiceRequest.newBuilder()
            .addResourceLogs(
                ResourceLogs.newBuilder()
                    .addScopeLogs(
                        ScopeLogs.newBuilder()
                            .addLogRecords(
                                LogRecord.newBuilder()
                                    .setTraceId(
                                        com.google.protobuf.ByteString.copyFrom(
                                            HexFormat.of().parseHex(trace.toHex())))
                                    .setEventName("gen_ai.evaluation.result"))
                            .addLogRecords(LogRecord.getDefaultInstance())))
            .build();
    HttpResponse<byte[]> response = post("/v1/logs", PROTOBUF, null, logs.toByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    ExportLogsServiceResponse answer = ExportLogsServiceResponse.parseFrom(response.body());
    assertThat(answer.getPartialSuccess().getRejectedLogRecords()).isZero();
    assertThat(harness.buffer.describe(trace)).isPresent(); // the event opened its trace
    assertThat(post("/v1/logs", PROTOBUF, null, new byte[] {0x0a, 0x7f}).statusCode())
        .isEqualTo(400);
  }
}
