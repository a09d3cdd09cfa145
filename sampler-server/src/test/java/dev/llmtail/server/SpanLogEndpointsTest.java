package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees of the span log through a real sidecar: {@code /debug} says until when a
 * dropped trace's spans are held, and a full log turns {@code /readyz} red and makes both receivers
 * answer with a retryable error.
 */
class SpanLogEndpointsTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private Sidecar llmtail;
  private AdminClient client;

  private void start(String quietPeriod, String maxSize) throws Exception {
    String yaml =
        TestPorts.LOOPBACK
            + """
            buffer:
              quiet_period: %s
              max_trace_wait: 5m
            policies:
              - name: errors
                type: status_code
                status_codes: [ERROR]
            exporter:
              file:
                path: ${env:OUT}
            storage:
              directory: ${env:DATA}
              retention: 2h
              max_size: %s
            """
                .formatted(quietPeriod, maxSize);
    llmtail =
        Sidecar.start(
            ConfigLoader.withEnvironment(
                    Map.of(
                        "OUT", dir.resolve("kept.jsonl").toString(),
                        "DATA", dir.resolve("data").toString()))
                .parse(Path.of("span-log-test.yaml"), yaml),
            new SimpleMeterRegistry(),
            Duration.ofSeconds(5));
    client = new AdminClient(llmtail);
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (llmtail != null) {
      llmtail.close();
    }
  }

  @Test
  void debugSaysUntilWhenADroppedTracesSpansAreHeld() throws Exception {
    start("100ms", "10GiB");
    TraceBuilder healthy = TraceBuilder.trace();
    healthy.root("POST /chat").child("chat gpt-4o");
    Instant sent = Instant.now();
    client.send(healthy);
    await().atMost(WAIT).until(() -> client.state(healthy.traceIdHex()).equals("decided"));

    JsonNode answer = client.json("/debug/traces/" + healthy.traceIdHex());
    Instant heldUntil = Instant.parse(answer.path("spans_held_until").asText());
    assertThat(heldUntil)
        .isBetween(sent.plus(Duration.ofHours(2)), Instant.now().plus(Duration.ofHours(2)));
    assertThat(answer.path("explanation").asText())
        .contains("Its spans are still held in the span log until " + heldUntil);
    assertThat(answer.path("waterfall").path("source").asText())
        .as("the dropped trace's spans are drawn from the span log")
        .isEqualTo("retained");
  }

  @Test
  void debugDrawsABufferedTracesSpansReadBackFromTheSpanLog() throws Exception {
    start("1m", "10GiB"); // nothing is decided during the test
    TraceBuilder waiting = TraceBuilder.trace();
    waiting.root("POST /chat").child("chat gpt-4o");
    client.send(waiting);
    await().atMost(WAIT).until(() -> client.state(waiting.traceIdHex()).equals("buffered"));

    JsonNode waterfall = client.json("/debug/traces/" + waiting.traceIdHex()).path("waterfall");
    assertThat(waterfall.path("source").asText()).isEqualTo("buffered");
    assertThat(waterfall.path("spans"))
        .extracting(span -> span.path("name").asText())
        .containsExactly("POST /chat", "chat gpt-4o");
  }

  @Test
  void fullSpanLogRefusesRetryablyOnBothTransportsAndSaysSoInReadyz() throws Exception {
    start("1m", "1MiB"); // nothing is decided during the test: all of it stays undecided
    StatusRuntimeException refused = null;
    // The log's size is measured once a second: keep sending (bounded) until a request is refused.
    for (int i = 0; i < 3_000 && refused == null; i++) {
      TraceBuilder big = TraceBuilder.trace();
      big.root("POST /chat").attribute("gen_ai.prompt", "x".repeat(16 * 1024));
      try {
        client.send(big);
      } catch (StatusRuntimeException e) {
        refused = e;
      }
    }
    assertThat(refused).as("refused within 3000 × 16 KiB").isNotNull();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getStatus().getDescription()).contains("storage.max_size");

    HttpResponse<String> ready = client.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).contains("storage.max_size");
    assertThat(client.get("/metrics").body()).contains("llmtail_storage_full 1.0");

    TraceBuilder more = TraceBuilder.trace();
    more.root("POST /chat");
    HttpResponse<String> http =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + llmtail.httpPort() + "/v1/traces"))
                    .header("Content-Type", "application/x-protobuf")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(more.request().toByteArray()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(http.statusCode()).isEqualTo(429);
    assertThat(http.headers().firstValue("Retry-After")).isPresent();
    assertThat(catchThrowableOfType(StatusRuntimeException.class, () -> client.send(more)))
        .isNotNull();
  }
}
