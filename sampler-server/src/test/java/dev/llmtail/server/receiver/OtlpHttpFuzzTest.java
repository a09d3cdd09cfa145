package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.server.auth.BearerToken;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Fuzzes the OTLP/HTTP decoders (protobuf and JSON, plain or gzip, traces and logs) through {@link
 * OtlpHttpHandler}, as a request reaches it: whatever the body, the answer is never a 500 and
 * nothing fails inside llmtail. The build replays the saved inputs under {@code
 * OtlpHttpFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (docs/operations.md).
 */
class OtlpHttpFuzzTest {

  private static final int MAX_BODY = 64 * 1024;
  private static final SimpleMeterRegistry METERS = new SimpleMeterRegistry();
  private static final TraceBuffer BUFFER = ReceiverHarness.keepAllBuffer(1000, 1 << 24, METERS);
  private static final OtlpHttpHandler.Metrics METRICS = new OtlpHttpHandler.Metrics(METERS);
  private static final SpanIntake SPANS = new SpanIntake(BUFFER, Backpressure.none(), METERS);
  private static final LogIntake LOGS = LogIntake.intoBuffer(BUFFER, untraced -> {}, METERS);

  @FuzzTest(maxDuration = "5m")
  void protobufBodies(FuzzedDataProvider data) {
    answer(data, "application/x-protobuf");
  }

  @FuzzTest(maxDuration = "5m")
  void jsonBodies(FuzzedDataProvider data) {
    answer(data, "application/json");
  }

  private static void answer(FuzzedDataProvider data, String contentType) {
    boolean logs = data.consumeBoolean();
    boolean gzip = data.consumeBoolean();
    byte[] body = data.consumeRemainingAsBytes();
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.POST,
            logs ? "/v1/logs" : "/v1/traces",
            Unpooled.wrappedBuffer(body));
    request.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    if (gzip) {
      request.headers().set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
    }
    EmbeddedChannel channel =
        new EmbeddedChannel(
            new OtlpHttpHandler(
                MAX_BODY, new BodyArrays(), SPANS, LOGS, METRICS, new BearerToken("")));
    try {
      channel.writeInbound(request);
      FullHttpResponse response = channel.readOutbound();
      try {
        assertThat(response).as("an answer").isNotNull();
        assertThat(response.status().code())
            .as("status for a %d-byte %s body", body.length, contentType)
            .isNotEqualTo(500);
      } finally {
        response.release();
      }
      assertThat(METRICS.failures.count()).as("failures inside llmtail").isZero();
    } finally {
      channel.finishAndReleaseAll();
    }
  }
}
