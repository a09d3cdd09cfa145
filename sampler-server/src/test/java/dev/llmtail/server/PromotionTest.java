package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dropped traces kept afterwards, through a real sidecar with a span log: on request ({@code POST
 * /debug/traces/{id}/keep}, {@code POST /debug/conversations/{id}/keep}) and on evidence that
 * arrives late. A dropped trace whose spans are retained is exported whole, once, marked promoted —
 * also across a restart — and one no longer retained is answered with since when.
 */
class PromotionTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private Sidecar llmtail;
  private AdminClient client;

  private void start(String retention) throws Exception {
    String yaml =
        TestPorts.LOOPBACK
            + """
            buffer:
              quiet_period: 100ms
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
              retention: %s
            """
                .formatted(retention);
    llmtail =
        Sidecar.start(
            ConfigLoader.withEnvironment(
                    Map.of(
                        "OUT", kept().toString(),
                        "DATA", dir.resolve("data").toString()))
                .parse(Path.of("keep-test.yaml"), yaml),
            new SimpleMeterRegistry(),
            Duration.ofSeconds(5));
    client = new AdminClient(llmtail);
  }

  private Path kept() {
    return dir.resolve("kept.jsonl");
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

  private HttpResponse<String> post(String path) {
    return client.post(path);
  }

  private TraceBuilder droppedTrace(String conversation) {
    TraceBuilder trace = TraceBuilder.trace();
    trace
        .root("POST /chat")
        .attribute("gen_ai.conversation.id", conversation)
        .child("chat gpt-4o")
        .attribute("gen_ai.operation.name", "chat");
    client.send(trace);
    await().atMost(WAIT).until(() -> client.state(trace.traceIdHex()).equals("decided"));
    assertThat(client.json("/debug/traces/" + trace.traceIdHex()).path("spans_held_until").isNull())
        .as("dropped, and its spans retained")
        .isFalse();
    return trace;
  }

  private String exported() throws IOException {
    return Files.exists(kept()) ? Files.readString(kept()) : "";
  }

  private static int occurrences(String text, String needle) {
    Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @Test
  void keptOnRequestExportsTheDroppedTraceOnceMarkedPromotedAndTheLogShowsBothDecisions()
      throws Exception {
    start("2h");
    TraceBuilder trace = droppedTrace("conv-keep-1");
    String root = trace.traceIdHex();
    assertThat(exported()).doesNotContain(root);

    HttpResponse<String> keep = post("/debug/traces/" + root + "/keep");
    assertThat(keep.statusCode()).as(keep.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(keep.body());
    assertThat(answer.path("outcome").asText()).isEqualTo("kept");
    assertThat(answer.path("spans").asInt()).isEqualTo(2);

    await().atMost(WAIT).until(() -> occurrences(exported(), "llmtail.sampling.promoted") == 2);
    String file = exported();
    assertThat(file).contains("kept on request");

    JsonNode debug = client.json("/debug/traces/" + root);
    assertThat(debug.path("decision").path("outcome").asText()).isEqualTo("kept");
    assertThat(debug.path("decision").path("trigger").asText()).isEqualTo("promoted");
    assertThat(debug.path("decision").path("earlier_decisions").get(0).path("outcome").asText())
        .isEqualTo("dropped");
    assertThat(debug.path("explanation").asText())
        .startsWith("Dropped at ")
        .contains("no policy matched. Then kept at ")
        .contains("kept on request.");

    HttpResponse<String> again = post("/debug/traces/" + root + "/keep");
    assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
    assertThat(JSON.readTree(again.body()).path("error").asText())
        .contains("was kept already")
        .contains("nothing is exported again");
    assertThat(client.get("/metrics").body())
        .contains("llmtail_promotions_total{policy=\"request\"} 1.0");

    // Across a restart: the span log knows the trace was exported; nothing is sent again.
    client.close();
    llmtail.close();
    start("2h");
    assertThat(llmtail.ledger().unaccounted()).isZero();
    assertThat(occurrences(exported(), "llmtail.sampling.promoted")).isEqualTo(2);
    HttpResponse<String> afterRestart = post("/debug/traces/" + root + "/keep");
    assertThat(afterRestart.statusCode()).as(afterRestart.body()).isEqualTo(409);
    assertThat(JSON.readTree(afterRestart.body()).path("error").asText())
        .contains("was kept already at ")
        .contains("kept on request, as the span log recorded it before a restart")
        .contains("nothing is exported again");
    assertThat(occurrences(exported(), "llmtail.sampling.promoted")).isEqualTo(2);
  }

  @Test
  void keptOnRequestByConversationExportsEveryRetainedDroppedTurn() throws Exception {
    start("2h");
    TraceBuilder first = droppedTrace("conv-keep-2");
    TraceBuilder second = droppedTrace("conv-keep-2");
    TraceBuilder other = droppedTrace("conv-other");

    HttpResponse<String> keep = post("/debug/conversations/conv-keep-2/keep");
    assertThat(keep.statusCode()).as(keep.body()).isEqualTo(200);
    assertThat(JSON.readTree(keep.body()).path("kept").asInt()).isEqualTo(2);

    await().atMost(WAIT).until(() -> occurrences(exported(), "llmtail.sampling.promoted") == 4);
    assertThat(exported())
        .contains(first.traceIdHex(), second.traceIdHex())
        .doesNotContain(other.traceIdHex());
    assertThat(post("/debug/conversations/conv-keep-2/keep").statusCode()).isEqualTo(409);
    HttpResponse<String> unknown = post("/debug/conversations/never-heard-of/keep");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("never-heard-of");
  }

  @Test
  void anErrorArrivingAfterTheDropPromotesTheWholeTraceOnce() throws Exception {
    start("2h");
    TraceBuilder trace = droppedTrace("conv-late-1");
    TraceBuilder late = TraceBuilder.trace(trace.traceIdHex());
    late.root("user feedback").error("thumbs down: the answer was wrong");
    client.send(late);

    await().atMost(WAIT).until(() -> occurrences(exported(), "llmtail.sampling.promoted") == 3);
    assertThat(exported()).contains("kept by errors on late evidence");
    JsonNode debug = client.json("/debug/traces/" + trace.traceIdHex());
    assertThat(debug.path("explanation").asText())
        .contains("no policy matched. Then kept at ")
        .contains("kept by errors on late evidence.");
    assertThat(client.get("/metrics").body())
        .contains("llmtail_promotions_total{policy=\"errors\"} 1.0");

    // Later spans follow the new decision, as late spans of a kept trace: exported, not promoted.
    TraceBuilder later = TraceBuilder.trace(trace.traceIdHex());
    later.root("another late span");
    client.send(later);
    await().atMost(WAIT).until(() -> occurrences(exported(), "llmtail.sampling.late") == 1);
    assertThat(occurrences(exported(), "llmtail.sampling.promoted")).isEqualTo(3);
    await().atMost(WAIT).until(() -> llmtail.ledger().unaccounted() == 0);
  }

  @Test
  void aTraceNoLongerRetainedIsAnsweredGoneSinceWhen() throws Exception {
    start("0s");
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat");
    client.send(trace);
    await().atMost(WAIT).until(() -> client.state(trace.traceIdHex()).equals("decided"));
    // The span log sweeps once a second: with retention 0s the spans go at the next sweep.
    await()
        .atMost(WAIT)
        .until(() -> post("/debug/traces/" + trace.traceIdHex() + "/keep").statusCode() == 410);
    JsonNode gone = JSON.readTree(post("/debug/traces/" + trace.traceIdHex() + "/keep").body());
    assertThat(gone.path("error").asText())
        .contains("was dropped at ")
        .contains("its spans are no longer retained since ")
        .contains("storage.retention 0s");
    assertThat(exported()).doesNotContain(trace.traceIdHex());

    HttpResponse<String> get = client.get("/debug/traces/" + trace.traceIdHex() + "/keep");
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
  }
}
