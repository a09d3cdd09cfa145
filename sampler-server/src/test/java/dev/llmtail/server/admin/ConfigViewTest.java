package dev.llmtail.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.server.config.ConfigLoader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigViewTest {

  @Test
  void secretsNeverLeaveTheProcess() throws Exception {
    String yaml =
        """
        policies:
          - {name: errors, type: status_code, status_codes: [ERROR]}
          - {name: baseline, type: probabilistic, sampling_percentage: 5}
        exporter:
          otlp:
            endpoint: https://collector.example:4317
            headers:
              api-key: ${env:KEY}
              x-tenant: acme
        admin:
          bearer_token: ${env:TOKEN}
        """;
    ObjectNode view =
        ConfigView.of(
            ConfigLoader.withEnvironment(
                    Map.of("KEY", "sk-live-123456", "TOKEN", "tok-abcdefghijklmnop"))
                .parse(Path.of("view.yaml"), yaml));

    String text = view.toString();
    assertThat(text)
        .doesNotContain("sk-live-123456")
        .doesNotContain("tok-abcdefghijklmnop")
        .doesNotContain("acme");
    assertThat(view.path("exporter").path("otlp").path("headers").path("api-key").asText())
        .isEqualTo("***");
    assertThat(view.path("admin").path("bearer_token").asText()).isEqualTo("***");
    assertThat(view.path("exporter").path("otlp").path("endpoint").asText())
        .isEqualTo("https://collector.example:4317");
    assertThat(view.path("policies").findValuesAsText("name"))
        .containsExactly("errors", "baseline");
    assertThat(view.path("policies").get(1).path("sampling_percentage").asDouble()).isEqualTo(5.0);
  }

  @Test
  void showsThePerTraceLimitsUnderTheKeysTheFileUsesWithTheirDefaults() throws Exception {
    ObjectNode view =
        ConfigView.of(
            ConfigLoader.withEnvironment(Map.of(), 2048L << 20)
                .parse(
                    Path.of("view.yaml"),
                    """
                    buffer:
                      max_trace_spans: 2500
                    policies:
                      - {name: errors, type: status_code, status_codes: [ERROR]}
                    exporter:
                      file: {path: kept.jsonl}
                    """));

    assertThat(view.path("buffer").path("max_trace_spans").asInt()).isEqualTo(2500);
    // A quarter of a 2 GiB heap, and an eighth of that for one trace.
    assertThat(view.path("buffer").path("max_bytes").asText()).isEqualTo("512MiB");
    assertThat(view.path("buffer").path("max_trace_bytes").asText()).isEqualTo("64MiB");
  }
}
