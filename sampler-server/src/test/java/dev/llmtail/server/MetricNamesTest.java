package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.testing.OtlpTestSink;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metric names table of docs/operations.md is what {@code /metrics} serves: every llmtail
 * metric it names is served, and every metric served is in it. The counters the alerts and
 * dashboards of the docs use are served from the start, at zero.
 */
class MetricNamesTest {

  private static final Pattern TYPE = Pattern.compile("^# TYPE (llmtail_\\S+) (\\S+)$");
  private static final Pattern TABLE_ROW = Pattern.compile("^\\| `(llmtail_[a-z0-9_]+)` \\|");

  @TempDir Path dir;

  /** The families /metrics serves, by their {@code # TYPE} line. */
  private static Set<String> served(AdminClient admin) {
    Set<String> names = new TreeSet<>();
    admin
        .get("/metrics")
        .body()
        .lines()
        .map(TYPE::matcher)
        .filter(Matcher::matches)
        .forEach(m -> names.add(m.group(1)));
    return names;
  }

  /**
   * The metrics the table names; with {@code firstEventOnly}, those it says are served from their
   * first event, else the rest.
   */
  private static Set<String> documented(boolean firstEventOnly) throws Exception {
    String doc = Files.readString(DocWorkspace.REPOSITORY.resolve("docs/operations.md"));
    String table = doc.substring(doc.indexOf("## Metric names"));
    table = table.substring(0, table.indexOf("\n## ", 3));
    Set<String> names = new TreeSet<>();
    table
        .lines()
        .filter(row -> firstEventOnly == row.contains("*from its first*"))
        // The shipped config runs with the span log, which replaces the spill directory.
        .filter(row -> !row.contains("*without the span log*"))
        .map(TABLE_ROW::matcher)
        .filter(Matcher::find)
        .forEach(m -> names.add(m.group(1)));
    return names;
  }

  private Sidecar start(String exporterEndpoint) throws Exception {
    return Sidecar.start(
        TestPorts.shippedConfig(
            "1s",
            Map.of(
                "LLMTAIL_EXPORTER_FILE",
                dir.resolve("kept.jsonl").toString(),
                "LLMTAIL_EXPORTER_ENDPOINT",
                exporterEndpoint)),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        Duration.ofSeconds(5));
  }

  @Test
  void theCountersTheAlertsUseAreServedAtZeroOnAFreshProcess() throws Exception {
    try (OtlpTestSink backend = OtlpTestSink.start()) {
      Sidecar sidecar = start(backend.endpoint());
      try (AdminClient admin = new AdminClient(sidecar)) {
        String metrics = admin.get("/metrics").body();
        assertThat(served(admin)).isEqualTo(documented(false));
        assertThat(metrics)
            .contains(
                "llmtail_receiver_refusals_total{reason=\"buffer_full\",transport=\"grpc\"} 0.0",
                "llmtail_receiver_refusals_total{reason=\"exporter_full\",transport=\"http\"} 0.0",
                "llmtail_receiver_requests_invalid_total{transport=\"http\"} 0.0",
                "llmtail_receiver_spans_total{result=\"rejected\",transport=\"grpc\"} 0.0",
                "llmtail_llm_errors_total{model=\"other\",provider=\"other\"} 0.0",
                "llmtail_llm_retries_total{model=\"other\",provider=\"other\"} 0.0",
                "llmtail_llm_refusals_total{model=\"other\",provider=\"other\"} 0.0",
                "llmtail_policy_failures_total{policy=\"refusals\"} 0.0",
                "llmtail_traces_total{outcome=\"kept\"} 0.0");
      } finally {
        sidecar.close();
      }
    }
  }

  @Test
  void theTableNamesEveryMetricServedAfterTheToursTraffic() throws Exception {
    try (OtlpTestSink backend = OtlpTestSink.start()) {
      Sidecar sidecar = start(backend.endpoint());
      try (AdminClient admin = new AdminClient(sidecar)) {
        for (String example :
            List.of(
                "traces refusal-kept",
                "traces healthy-dropped",
                "traces evaluated-trace",
                "logs evaluation-log")) {
          String[] kind = example.split(" ", -1);
          DocumentedPost.parse(
                  "curl -s localhost:5318/v1/"
                      + kind[0]
                      + " -H 'Content-Type: application/json' --data-binary @docs/examples/"
                      + kind[1]
                      + ".json")
              .check(sidecar.httpPort());
        }
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    admin
                        .get("/metrics")
                        .body()
                        .contains("llmtail_traces_total{outcome=\"kept\"} 2.0"));
        Set<String> served = served(admin);
        Set<String> expected = new TreeSet<>(documented(false));
        // Served once the first such event happened: whether this traffic caused one is not the
        // point here.
        documented(true).stream().filter(served::contains).forEach(expected::add);
        assertThat(served).isEqualTo(expected);
      } finally {
        sidecar.close();
      }
    }
  }
}
