package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmtail.server.auth.AuthConfig;
import dev.llmtail.server.tls.ServerTlsConfig;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Both receivers with {@code auth.bearer_token}: the token the Collector's {@code bearertokenauth}
 * extension sends is admitted; a missing or wrong one is refused ({@code UNAUTHENTICATED} / 401),
 * counted, and never repeated in the answer.
 */
class AuthReceiverTest {

  private static final String TOKEN = "0123456789abcdef0123456789abcdef";
  private static final String WRONG = "fedcba9876543210fedcba9876543210";

  private SecuredReceivers receivers;

  @BeforeEach
  void start() {
    receivers = new SecuredReceivers(ServerTlsConfig.NONE, new AuthConfig(TOKEN));
  }

  @AfterEach
  void stop() {
    receivers.close();
  }

  private static boolean sends(SpanExporter exporter) {
    try {
      return exporter.export(SecuredReceivers.span()).join(15, TimeUnit.SECONDS).isSuccess();
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void sdkExportersWithTheTokenAreAdmittedAndWithoutItRefused() {
    String grpc = "http://127.0.0.1:" + receivers.grpc.port();
    String http = "http://127.0.0.1:" + receivers.http.port() + "/v1/traces";

    assertThat(
            sends(
                OtlpGrpcSpanExporter.builder()
                    .setEndpoint(grpc)
                    .addHeader("Authorization", "Bearer " + TOKEN)
                    .build()))
        .isTrue();
    assertThat(
            sends(
                OtlpHttpSpanExporter.builder()
                    .setEndpoint(http)
                    .addHeader("Authorization", "Bearer " + TOKEN)
                    .build()))
        .isTrue();
    assertThat(sends(OtlpGrpcSpanExporter.builder().setEndpoint(grpc).build())).isFalse();
    assertThat(sends(OtlpHttpSpanExporter.builder().setEndpoint(http).build())).isFalse();

    assertThat(receivers.buffer.bufferedTraces()).isEqualTo(2);
    assertThat(receivers.unauthenticated("grpc")).isEqualTo(1);
    assertThat(receivers.unauthenticated("http")).isEqualTo(1);
  }

  @Test
  void grpcAnswersUnauthenticatedWithoutRepeatingTheToken() {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", receivers.grpc.port()).usePlaintext().build();
    try {
      Metadata wrong = new Metadata();
      wrong.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + WRONG);
      TraceServiceGrpc.TraceServiceBlockingStub client =
          TraceServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(wrong));
      TraceBuilder t = TraceBuilder.trace();
      t.root("POST /chat");

      assertThatThrownBy(() -> client.export(t.request()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.getStatus().getDescription())
                    .isEqualTo(
                        "wrong bearer token (expected: Authorization: Bearer"
                            + " <receivers.grpc.auth.bearer_token>)")
                    .doesNotContain(WRONG);
              });
    } finally {
      channel.shutdownNow();
    }
    assertThat(receivers.unauthenticated("grpc")).isEqualTo(1);
    assertThat(receivers.buffer.bufferedTraces()).isZero();
  }

  @Test
  void httpAnswers401WithAChallengeWithoutRepeatingTheToken() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + receivers.http.port() + "/v1/traces"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}"));

    HttpResponse<String> missing = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> wrong =
        http.send(
            request.copy().header("Authorization", "Bearer " + WRONG).build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> right =
        http.send(
            request.copy().header("Authorization", "Bearer " + TOKEN).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"llmtail\"");
    assertThat(missing.body()).contains("missing Authorization header");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("wrong bearer token").doesNotContain(WRONG);
    assertThat(right.statusCode()).isEqualTo(200);
    assertThat(receivers.unauthenticated("http")).isEqualTo(2);
  }
}
