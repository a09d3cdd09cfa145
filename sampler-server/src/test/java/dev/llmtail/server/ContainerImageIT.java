package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.TraceBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The image Jib wrote to {@code target/llmtail-image.tar}, as a user runs it: loaded into the local
 * Docker engine, started with its own default config and health check, sent a trace by the
 * OpenTelemetry SDK's OTLP/gRPC exporter, and asked on {@code /debug} what it decided.
 *
 * <p>Without a Docker engine the test is skipped, unless {@code LLMTAIL_REQUIRE_DOCKER} is set (as
 * {@code .ci/run} does after starting {@code dockerd}): then it fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerImageIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN_TOKEN = "container-image-it-0123456789";
  private static GenericContainer<?> llmtail;

  @BeforeAll
  static void startImage() throws IOException {
    Path tar = Path.of(System.getProperty("llmtail.image.tar", "target/llmtail-image.tar"));
    boolean required = System.getenv("LLMTAIL_REQUIRE_DOCKER") != null;
    boolean docker = DockerClientFactory.instance().isDockerAvailable();
    if (!required) {
      Assumptions.assumeTrue(
          docker, "no Docker engine: the container image test needs one (dockerd)");
    }
    assertThat(docker).as("a Docker engine (LLMTAIL_REQUIRE_DOCKER is set)").isTrue();
    assertThat(tar).as("the image Jib writes in pre-integration-test").isRegularFile();

    DockerClient client = DockerClientFactory.instance().client();
    try (InputStream in = Files.newInputStream(tar)) {
      client.loadImageCmd(in).exec();
    }
    llmtail =
        new GenericContainer<>(
                DockerImageName.parse(System.getProperty("llmtail.image", "llmtail:latest")))
            .withExposedPorts(5317, 5318, 5319)
            // Admin listens beyond the container's loopback: /debug data needs the token.
            .withEnv("LLMTAIL_ADMIN_TOKEN", ADMIN_TOKEN)
            // The image's own HEALTHCHECK (ReadinessProbe → /readyz) must report healthy.
            .waitingFor(Wait.forHealthcheck().withStartupTimeout(Duration.ofSeconds(90)));
    llmtail.start();
  }

  @AfterAll
  static void stopImage() {
    if (llmtail != null) {
      llmtail.stop();
    }
  }

  @Test
  @Order(1)
  void runsAsAnUnprivilegedUserWithTheDefaultConfig() {
    InspectContainerResponse info =
        DockerClientFactory.instance()
            .client()
            .inspectContainerCmd(llmtail.getContainerId())
            .exec();
    assertThat(info.getConfig().getUser()).isEqualTo("65532:65532");
    assertThat(info.getConfig().getCmd())
        .containsExactly("run", "--config", "/etc/llmtail/llmtail.yaml");
    // docker/jvm.options, the JVM options the benchmark measures.
    assertThat(info.getConfig().getEntrypoint()).contains("@/opt/llmtail/jvm.options");
    assertThat(info.getState().getHealth().getStatus()).isEqualTo("healthy");
    assertThat(info.getConfig().getEnv()).contains("LLMTAIL_ADMIN_ENDPOINT=0.0.0.0:5319");
    assertThat(llmtail.getLogs()).contains("policies from /etc/llmtail/llmtail.yaml");
    // The image is x86-64: Netty's native epoll library loads there (from the read-only jar into
    // the writable /tmp), so the listeners and the exporter are not on NIO.
    assertThat(llmtail.getLogs()).contains("(network I/O on epoll)");
  }

  @Test
  @Order(2)
  void decidesATraceSentOverOtlpAndExplainsItOnDebug() {
    TraceBuilder refused =
        LlmTraces.chat(Dialect.OPENINFERENCE, LlmCallSpec.healthy().finishReason("content_filter"));
    // Randomness far below the shipped 5 % baseline: nothing but a failure could keep it.
    TraceBuilder healthy = TraceBuilder.trace("4bf92f3577b34da6a300000000000021");
    healthy.root("POST /chat").durationMillis(900);
    Dialect.OTEL_GENAI.write(healthy.child("handler"), LlmCallSpec.healthy());

    OtlpGrpcSpanExporter exporter =
        OtlpGrpcSpanExporter.builder()
            .setEndpoint("http://" + llmtail.getHost() + ":" + llmtail.getMappedPort(5317))
            .build();
    try {
      List<SpanData> spans = new ArrayList<>(SdkSpans.of(refused.resourceSpans()));
      spans.addAll(SdkSpans.of(healthy.resourceSpans()));
      assertThat(exporter.export(spans).join(20, TimeUnit.SECONDS).isSuccess())
          .as("llmtail in the container accepted the SDK's export")
          .isTrue();
    } finally {
      exporter.shutdown().join(10, TimeUnit.SECONDS);
    }

    // The shipped quiet period is 10 s.
    JsonNode kept = awaitDecision(refused.traceIdHex());
    assertThat(kept.path("outcome").asText()).isEqualTo("kept");
    assertThat(kept.path("reason").asText()).contains("refusals");
    JsonNode dropped = awaitDecision(healthy.traceIdHex());
    assertThat(dropped.path("outcome").asText()).isEqualTo("dropped");
    assertThat(dropped.path("policies").findValuesAsText("name"))
        .contains("refusals", "flagged", "baseline");
    assertThat(dropped.path("policies").findValuesAsText("vote")).doesNotContain("keep");

    // With no exporter endpoint set, the shipped config appends kept traces to a file in the
    // working directory, which the unprivileged user owns.
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptionsInstanceOf(
            NotFoundException.class) // until the first kept trace is written
        .untilAsserted(
            () ->
                assertThat(keptFile())
                    .contains(refused.traceIdHex())
                    .doesNotContain(healthy.traceIdHex()));
  }

  @Test
  @Order(3)
  void dockerStopEndsItCleanly() {
    DockerClient client = DockerClientFactory.instance().client();
    client.stopContainerCmd(llmtail.getContainerId()).withTimeout(40).exec();
    InspectContainerResponse.ContainerState state =
        client.inspectContainerCmd(llmtail.getContainerId()).exec().getState();
    // The JVM is PID 1: SIGTERM must reach its shutdown, which accounts for every span.
    assertThat(state.getExitCodeLong()).isZero();
    assertThat(llmtail.getLogs()).containsPattern("unaccounted=0");
  }

  private static String keptFile() {
    return llmtail.copyFileFromContainer(
        "/var/lib/llmtail/llmtail-kept.jsonl",
        in -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
  }

  private static JsonNode awaitDecision(String traceId) {
    URI uri =
        URI.create(
            "http://"
                + llmtail.getHost()
                + ":"
                + llmtail.getMappedPort(5319)
                + "/debug/traces/"
                + traceId);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    JsonNode[] answer = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              HttpResponse<String> r =
                  http.send(
                      HttpRequest.newBuilder(uri)
                          .timeout(Duration.ofSeconds(5))
                          .header("Authorization", "Bearer " + ADMIN_TOKEN)
                          .build(),
                      HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() != 200) {
                return false;
              }
              answer[0] = JSON.readTree(r.body());
              return answer[0].path("state").asText().equals("decided")
                  && answer[0].path("decision").has("policies");
            });
    return answer[0].path("decision");
  }
}
