package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example traces of docs/examples, sent as README.md's tour sends them to the shipped config,
 * are decided as the tour says: the refusal kept, the healthy call dropped, the call whose
 * evaluation arrived as a log record kept by the evaluation.
 */
class DocExamplesTest {

  @TempDir Path dir;

  @Test
  void theToursExampleTracesAreDecidedAsTheReadmeSays() throws Exception {
    List<DocumentedPost> posts =
        MarkdownCommands.read(DocWorkspace.REPOSITORY.resolve("README.md"), "README.md")
            .commands()
            .stream()
            .map(MarkdownCommands.Command::text)
            .filter(DocumentedPost::isOne)
            .map(DocumentedPost::parse)
            .toList();
    assertThat(posts).hasSize(4);
    // The shipped config but a quiet period of 2s: the tour's four requests arrive within it.
    Sidecar sidecar =
        Sidecar.start(
            TestPorts.shippedConfig(
                "2s", Map.of("LLMTAIL_EXPORTER_FILE", dir.resolve("kept.jsonl").toString())),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            Duration.ofSeconds(5));
    try (AdminClient admin = new AdminClient(sidecar)) {
      for (DocumentedPost post : posts) {
        post.check(sidecar.httpPort());
      }
      assertThat(decision(admin, "4bf92f3577b34da6a3ce929d0e0e4736").path("reason").asText())
          .isEqualTo("kept by refusals");
      assertThat(decision(admin, "0af7651916cd43dd8400000000000001").path("outcome").asText())
          .isEqualTo("dropped");
      assertThat(decision(admin, "0af7651916cd43dd8400000000000002").path("reason").asText())
          .isEqualTo("kept by flagged");
    } finally {
      sidecar.close();
    }
  }

  private static JsonNode decision(AdminClient admin, String traceId) {
    String path = "/debug/traces/" + traceId;
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> admin.json(path).at("/decision/policies").isArray());
    return admin.json(path).path("decision");
  }
}
