package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard shipped in {@code docker/grafana/llmtail-dashboard.json} asks only for
 * metrics llmtail exports: every query names at least one {@code llmtail_…} series, and each of
 * them is in a {@code /metrics} scrape of a running llmtail that received, decided and exported LLM
 * traces. A renamed meter fails here instead of leaving an empty panel.
 */
class GrafanaDashboardTest {

  static final Path DASHBOARD = Path.of("..", "docker", "grafana", "llmtail-dashboard.json");

  private static final Pattern SERIES = Pattern.compile("\\bllmtail_[a-z0-9_]+");

  @TempDir Path dir;

  @Test
  void everyQueryOfTheDashboardNamesAMetricLlmtailExports() throws Exception {
    Set<String> exported = new TreeSet<>(scrapedAfterTraffic());
    exported.addAll(scrapedWithOtlpExporter());
    List<String> queries = new ArrayList<>();
    collectQueries(new ObjectMapper().readTree(DASHBOARD.toFile()), queries);

    assertThat(queries).as("queries in " + DASHBOARD).hasSizeGreaterThan(10);
    for (String query : queries) {
      Matcher m = SERIES.matcher(query);
      List<String> named = new ArrayList<>();
      while (m.find()) {
        named.add(m.group());
      }
      assertThat(named).as("llmtail metrics named by the query %s", query).isNotEmpty();
      assertThat(exported)
          .as("metrics exported by llmtail, asked for by the query %s", query)
          .containsAll(named);
    }
  }

  private static void collectQueries(JsonNode node, List<String> out) {
    if (node.isObject()) {
      for (String key : List.of("expr", "definition")) {
        JsonNode query = node.get(key);
        if (query != null && query.isTextual()) {
          out.add(query.asText());
        }
      }
      node.elements().forEachRemaining(child -> collectQueries(child, out));
    } else if (node.isArray()) {
      node.elements().forEachRemaining(child -> collectQueries(child, out));
    }
  }

  /** Series of a fresh llmtail exporting over OTLP with a spill directory (queue, retry, spill). */
  private Set<String> scrapedWithOtlpExporter() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    String yaml =
        TestPorts.LOOPBACK
            + """
            policies:
              - name: all
                type: always_sample
            exporter:
              otlp:
                endpoint: ${env:BACKEND}
                spill:
                  directory: ${env:SPILL}
            """;
    try (Sidecar llmtail =
            Sidecar.start(
                ConfigLoader.withEnvironment(
                        Map.of(
                            "BACKEND",
                            "127.0.0.1:" + closedPort,
                            "SPILL",
                            dir.resolve("spill").toString()))
                    .parse(Path.of("grafana-otlp.yaml"), yaml),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                Duration.ofSeconds(2));
        AdminClient client = new AdminClient(llmtail)) {
      return seriesIn(client.get("/metrics").body());
    }
  }

  private static Set<String> seriesIn(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n", -1)) {
      if (!line.startsWith("#") && !line.isBlank()) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  /**
   * Series names in a scrape after a kept and a dropped LLM trace went through llmtail, and the
   * dropped one was kept afterwards on request (promotion series appear with the first promotion).
   */
  private Set<String> scrapedAfterTraffic() throws Exception {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Sidecar llmtail =
            Sidecar.start(
                TestPorts.retainingConfig(
                    dir.resolve("kept.jsonl"),
                    dir.resolve("span-log"),
                    """
                      - name: errors
                        type: status_code
                        status_codes: [ERROR]
                    """),
                prometheus,
                Duration.ofSeconds(5));
        AdminClient client = new AdminClient(llmtail)) {
      String dropped = null;
      for (boolean fails : List.of(true, false)) {
        TraceBuilder trace = TraceBuilder.trace().service("chat-api");
        var call =
            trace
                .root("POST /chat")
                .child("chat gpt-4o")
                .attribute("gen_ai.operation.name", "chat")
                .attribute("gen_ai.system", "openai")
                .attribute("gen_ai.request.model", "gpt-4o")
                .attribute("gen_ai.usage.input_tokens", 100L)
                .attribute("gen_ai.usage.output_tokens", 20L);
        if (fails) {
          call.error("rate limited").attribute("error.type", "429");
        }
        client.send(trace);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> client.state(trace.traceIdHex()).equals("decided"));
        if (!fails) {
          dropped = trace.traceIdHex();
        }
      }
      HttpResponse<String> keep = client.post("/debug/traces/" + dropped + "/keep");
      assertThat(keep.statusCode()).as(keep.body()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(dir.resolve("kept.jsonl")));
      String scrape = client.get("/metrics").body();
      assertThat(scrape).contains("llmtail_promotions_total{policy=\"request\"} 1.0");
      return seriesIn(scrape);
    }
  }
}
