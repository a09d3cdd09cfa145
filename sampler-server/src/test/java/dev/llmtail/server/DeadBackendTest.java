package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a person sees when llmtail's exporter points at a port where nothing listens. */
class DeadBackendTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private Sidecar llmtail;
  private AdminClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (llmtail != null) {
      llmtail.close();
    }
  }

  private static int deadPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void debugConfigMetricsAndThePageSayExportIsFailingSinceWhenAndWhy() throws Exception {
    String dead = "127.0.0.1:" + deadPort();
    String yaml =
        TestPorts.LOOPBACK
            + """
            buffer:
              quiet_period: 100ms
            policies:
              - name: all
                type: always_sample
            exporter:
              otlp:
                endpoint: ${env:DEAD}
                retry:
                  initial_interval: 50ms
                  max_interval: 200ms
                  max_elapsed_time: 1m
                spill:
                  directory: ${env:SPILL}
            """;
    llmtail =
        Sidecar.start(
            ConfigLoader.withEnvironment(Map.of("DEAD", dead, "SPILL", dir.toString()))
                .parse(Path.of("dead-backend.yaml"), yaml),
            new SimpleMeterRegistry(),
            Duration.ofSeconds(2));
    client = new AdminClient(llmtail);

    // A fresh process already has the series an alert needs, at zero.
    String fresh = client.get("/metrics").body();
    assertThat(fresh)
        .contains("llmtail_exporter_failures_total{exporter=\"otlp\"} 0.0")
        .contains("llmtail_exporter_retries_total{exporter=\"otlp\"} 0.0")
        .contains("llmtail_exporter_failing_seconds{exporter=\"otlp\"} 0.0")
        .contains("llmtail_exporter_spill_written_total 0.0")
        .contains("llmtail_exporter_spans_total{exporter=\"otlp\",result=\"failed\"} 0.0");
    assertThat(client.json("/debug/config").at("/export/state").asText()).isEqualTo("working");

    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat");
    client.send(trace);

    await()
        .atMost(WAIT)
        .until(() -> client.json("/debug/config").at("/export/state").asText().equals("failing"));
    JsonNode export = client.json("/debug/config").path("export");
    assertThat(export.path("last_cause").asText())
        .startsWith("UNAVAILABLE")
        .containsIgnoringCase("connection refused")
        .contains(dead);
    assertThat(export.path("summary").asText()).startsWith("export to " + dead + " failing since ");
    assertThat(client.get("/metrics").body())
        .doesNotContain("llmtail_exporter_failures_total{exporter=\"otlp\"} 0.0");
    // Readiness is about taking traffic: the spill directory still has room for it.
    assertThat(client.get("/readyz").statusCode()).isEqualTo(200);

    Optional<Path> chromium = HeadlessChromium.binary();
    if (chromium.isPresent()) {
      try (HeadlessChromium browser = HeadlessChromium.launch(chromium.get())) {
        browser.open("http://127.0.0.1:" + llmtail.adminPort() + "/debug");
        await()
            .atMost(WAIT)
            .until(
                () ->
                    browser
                        .evaluate("document.getElementById('export').innerText")
                        .startsWith("export to " + dead + " failing since "));
      }
    }
  }
}
