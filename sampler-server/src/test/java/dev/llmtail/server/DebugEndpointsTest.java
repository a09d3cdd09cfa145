package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every state {@code /debug/traces/{id}} can report, and the conversation and decisions views,
 * through a real sidecar: spans go in over OTLP/gRPC, answers come out of the admin HTTP server.
 */
class DebugEndpointsTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;
  private Sidecar llmtail;
  private AdminClient client;

  private void start(String adminSection) throws Exception {
    LlmtailConfig config =
        TestPorts.quickConfig(
            dir.resolve("kept.jsonl"),
            """
              - name: errors
                type: status_code
                status_codes: [ERROR]
              - name: slow
                type: latency
                threshold: 30s
            """,
            adminSection);
    llmtail = Sidecar.start(config, new SimpleMeterRegistry(), Duration.ofSeconds(5));
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

  /** A chat request whose LLM call belongs to a conversation; healthy unless {@code error}. */
  private static TraceBuilder chat(String conversation, boolean error) {
    TraceBuilder t = TraceBuilder.trace().service("chat-api");
    t.root("POST /chat").durationMillis(1200);
    TraceBuilder.SpanBuilder llm =
        t.child("chat gpt-4o")
            .startMillis(100)
            .durationMillis(900)
            .attribute("gen_ai.conversation.id", conversation);
    if (error) {
      llm.error("upstream 500");
    }
    return t;
  }

  private void awaitState(String traceId, String state) {
    await().atMost(WAIT).until(() -> client.state(traceId).equals(state));
  }

  @Test
  void droppedTraceIsExplainedByTraceIdAndByConversationId() throws Exception {
    start("");
    TraceBuilder healthy = chat("conv-42", false);
    client.send(healthy);
    awaitState(healthy.traceIdHex(), "decided");

    JsonNode byTrace = client.json("/debug/traces/" + healthy.traceIdHex());
    assertThat(byTrace.path("explanation").asText())
        .startsWith("Dropped at ")
        .contains("no policy matched.")
        .contains("errors: no span of 2 has a status one of [ERROR].")
        .contains("POST /chat in chat-api, 2 spans over 1.2s")
        .contains("conversation conv-42")
        .endsWith(
            "It was decided once complete (root span ended, then quiet_period with no new span).");
    JsonNode decision = byTrace.path("decision");
    assertThat(decision.path("outcome").asText()).isEqualTo("dropped");
    assertThat(decision.path("trigger").asText()).isEqualTo("complete");
    assertThat(decision.path("policies").findValuesAsText("name"))
        .containsExactly("errors", "slow");
    assertThat(decision.path("policies").get(0).path("evidence").get(0).path("threshold").asText())
        .isEqualTo("one of [ERROR]");

    JsonNode byConversation = client.json("/debug/conversations/conv-42");
    assertThat(byConversation.path("explanation").asText())
        .startsWith("Conversation conv-42: 1 trace in the decision log")
        .contains("0 kept and 1 dropped");
    assertThat(byConversation.path("traces")).hasSize(1);
    JsonNode trace = byConversation.path("traces").get(0);
    assertThat(trace.path("trace_id").asText()).isEqualTo(healthy.traceIdHex());
    assertThat(trace.path("outcome").asText()).isEqualTo("dropped");
    assertThat(trace.path("explanation").asText()).contains("no policy matched");
  }

  @Test
  void conversationListsEveryTurnNewestFirstWithItsOutcome() throws Exception {
    start("");
    TraceBuilder first = chat("conv-7", false);
    client.send(first);
    awaitState(first.traceIdHex(), "decided");
    TraceBuilder second = chat("conv-7", true);
    client.send(second);
    awaitState(second.traceIdHex(), "decided");

    JsonNode conversation = client.json("/debug/conversations/conv-7");
    assertThat(conversation.path("traces").findValuesAsText("trace_id"))
        .containsExactly(second.traceIdHex(), first.traceIdHex());
    assertThat(conversation.path("traces").findValuesAsText("outcome"))
        .containsExactly("kept", "dropped");
    assertThat(conversation.path("traces").get(0).path("explanation").asText())
        .startsWith("Kept at ")
        .contains("errors voted keep: span ");
  }

  @Test
  void unknownConversationSaysWhereIdsComeFrom() throws Exception {
    start("");
    JsonNode answer = client.json("/debug/conversations/nobody");
    assertThat(answer.path("traces")).isEmpty();
    assertThat(answer.path("explanation").asText())
        .startsWith("No trace of conversation nobody is in the decision log")
        .contains("gen_ai.conversation.id");
  }

  @Test
  void bufferedTraceSaysWhenItWillBeDecidedAndWhyItWaits() throws Exception {
    start("");
    TraceBuilder inFlight = TraceBuilder.trace();
    inFlight.root("POST /agent").unended();
    inFlight.child("chat claude-sonnet");
    client.send(inFlight);

    JsonNode answer = client.json("/debug/traces/" + inFlight.traceIdHex());
    assertThat(answer.path("state").asText()).isEqualTo("buffered");
    JsonNode buffered = answer.path("buffered");
    assertThat(buffered.path("span_count").asInt()).isEqualTo(2);
    assertThat(buffered.path("root_ended").asBoolean()).isFalse();
    assertThat(buffered.path("expected_trigger").asText()).isEqualTo("max_wait");
    Instant due = Instant.parse(buffered.path("decided_by").asText());
    Instant firstSpan = Instant.parse(buffered.path("first_span_at").asText());
    assertThat(Duration.between(firstSpan, due))
        .isBetween(Duration.ofSeconds(59), Duration.ofSeconds(61));
    assertThat(answer.path("explanation").asText())
        .startsWith("Not decided yet: 2 spans of this trace are buffered")
        .contains("its root span has not ended yet")
        .contains("max_trace_wait 1m");
  }

  @Test
  void aTraceTimedByACompletionRuleSaysWhichRuleAndWaitsItsQuietPeriod() throws Exception {
    String yaml =
        TestPorts.LOOPBACK
            + """
            buffer:
              quiet_period: 100ms
              max_trace_wait: 1m
              completion_rules:
                - when: span.name.startsWith("invoke_agent")
                  quiet_period: 40m
                  max_trace_wait: 50m
            exporter:
              file:
                path: ${env:OUT}
            policies:
              - name: errors
                type: status_code
                status_codes: [ERROR]
            """;
    llmtail =
        Sidecar.start(
            ConfigLoader.withEnvironment(Map.of("OUT", dir.resolve("kept.jsonl").toString()))
                .parse(Path.of("rules-test.yaml"), yaml),
            new SimpleMeterRegistry(),
            Duration.ofSeconds(5));
    client = new AdminClient(llmtail);
    TraceBuilder agent = TraceBuilder.trace();
    agent.root("invoke_agent planner").durationMillis(1200);
    agent.child("chat gpt-4o").durationMillis(900);
    TraceBuilder chat = chat("conv-rules", false);
    client.send(agent);
    client.send(chat);
    awaitState(chat.traceIdHex(), "decided");

    JsonNode answer = client.json("/debug/traces/" + agent.traceIdHex());
    assertThat(answer.path("state").asText()).isEqualTo("buffered");
    JsonNode rule = answer.path("buffered").path("completion_rule");
    assertThat(rule.path("when").asText()).isEqualTo("span.name.startsWith(\"invoke_agent\")");
    assertThat(rule.path("quiet_period").asText()).isEqualTo("40m00s");
    assertThat(answer.path("explanation").asText())
        .contains("no span arrives for quiet_period 40m00s")
        .contains("(the completion rule when span.name.startsWith(\"invoke_agent\") applies)");
    assertThat(client.json("/debug/config").path("buffer").path("completion_rules").get(0))
        .hasToString(
            "{\"when\":\"span.name.startsWith(\\\"invoke_agent\\\")\",\"quiet_period\":\"40m00s\","
                + "\"max_trace_wait\":\"50m00s\"}");
  }

  @Test
  void neverSeenTraceSaysSoAndGivesTheLogHorizon() throws Exception {
    start("");
    String id = "4bf92f3577b34da6a3ce929d0e0e4736";
    JsonNode answer = client.json("/debug/traces/" + id);
    assertThat(answer.path("state").asText()).isEqualTo("never_seen");
    assertThat(Instant.parse(answer.path("log_horizon").asText()))
        .isBefore(Instant.now().plusSeconds(1));
    assertThat(answer.path("explanation").asText())
        .startsWith("llmtail has no record of trace " + id)
        .contains("never reached llmtail");
  }

  @Test
  void forgottenTraceKeepsItsOutcomeAndTheLogsHorizon() throws Exception {
    start(
        """
          decision_log:
            max_entries: 1
        """);
    TraceBuilder old = chat("conv-1", false);
    client.send(old);
    awaitState(old.traceIdHex(), "decided");
    TraceBuilder newer = chat("conv-1", true);
    client.send(newer);
    awaitState(newer.traceIdHex(), "decided");

    JsonNode answer = client.json("/debug/traces/" + old.traceIdHex());
    assertThat(answer.path("state").asText()).isEqualTo("forgotten");
    assertThat(answer.path("outcome").asText()).isEqualTo("dropped");
    Instant horizon = Instant.parse(answer.path("log_horizon").asText());
    assertThat(horizon).isAfterOrEqualTo(Instant.parse(answer.path("decided_at").asText()));
    assertThat(answer.path("explanation").asText())
        .startsWith("Dropped at ")
        .contains("no longer holds why")
        .contains("at most 1 decisions");
    assertThat(client.json("/debug/conversations/conv-1").path("traces")).hasSize(1);
  }

  @Test
  void decidedTraceCountsLateSpansSinceTheDecision() throws Exception {
    start("");
    TraceBuilder trace = chat("conv-9", false);
    client.send(trace);
    awaitState(trace.traceIdHex(), "decided");

    TraceBuilder late = TraceBuilder.trace(trace.traceIdHex());
    late.child("late tool call");
    client.send(late);

    await()
        .atMost(WAIT)
        .until(
            () ->
                client
                        .json("/debug/traces/" + trace.traceIdHex())
                        .path("decision")
                        .path("late_spans_since")
                        .asInt()
                    == 1);
    assertThat(client.json("/debug/traces/" + trace.traceIdHex()).path("explanation").asText())
        .contains("1 span arrived after the decision and was dropped too.");
  }

  @Test
  void malformedTraceIdIsRefusedWithWhatIsExpected() throws Exception {
    start("");
    HttpResponse<String> r = client.get("/debug/traces/not-a-trace-id");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("expected: 32 hex characters");
  }

  @Test
  void decisionsAreListedNewestFirstAndFiltered() throws Exception {
    start("");
    TraceBuilder dropped = chat("c", false);
    client.send(dropped);
    awaitState(dropped.traceIdHex(), "decided");
    TraceBuilder kept = chat("c", true);
    client.send(kept);
    awaitState(kept.traceIdHex(), "decided");

    assertThat(client.json("/debug/decisions").path("decisions").findValuesAsText("trace_id"))
        .containsExactly(kept.traceIdHex(), dropped.traceIdHex());
    assertThat(
            client
                .json("/debug/decisions?outcome=dropped")
                .path("decisions")
                .findValuesAsText("trace_id"))
        .containsExactly(dropped.traceIdHex());
    assertThat(
            client
                .json("/debug/decisions?policy=errors")
                .path("decisions")
                .findValuesAsText("trace_id"))
        .containsExactly(kept.traceIdHex());
    assertThat(client.json("/debug/decisions?limit=1").path("count").asInt()).isEqualTo(1);
    assertThat(client.json("/debug/decisions?since=2099-01-01T00:00:00Z").path("count").asInt())
        .isZero();
    assertThat(client.json("/debug/decisions?since=10m").path("count").asInt()).isEqualTo(2);

    HttpResponse<String> bad = client.get("/debug/decisions?outcome=maybe");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("outcome: 'maybe' (expected: kept or dropped)");
    assertThat(client.get("/debug/decisions?limit=0").body())
        .contains("limit: '0' (expected: a whole number from 1 to 1000)");
    HttpResponse<String> typo = client.get("/debug/decisions?policy=erors");
    assertThat(typo.statusCode()).isEqualTo(400);
    assertThat(typo.body())
        .contains("policy: 'erors' is not a policy of the running config; did you mean errors?");
  }

  @Test
  void configShowsPoliciesInOrderWithSecretsMasked() throws Exception {
    start(
        """
          bearer_token: s3cr3t-t0ken-0123456789
        """);
    client.withToken("s3cr3t-t0ken-0123456789");
    HttpResponse<String> r = client.get("/debug/config");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).doesNotContain("s3cr3t-t0ken");
    JsonNode config = client.json("/debug/config");
    assertThat(config.path("admin").path("bearer_token").asText()).isEqualTo("***");
    assertThat(config.path("policies").findValuesAsText("name")).containsExactly("errors", "slow");
    assertThat(config.path("policies").get(0).path("status_codes").get(0).asText())
        .isEqualTo("ERROR");
    assertThat(config.path("policies").get(1).path("threshold").asText()).isEqualTo("30s");
    assertThat(config.path("buffer").path("quiet_period").asText()).isEqualTo("100ms");
    // The default share of the heap, shown as the size it was resolved to at start.
    assertThat(config.path("buffer").path("max_bytes").asText())
        .isEqualTo(((Runtime.getRuntime().maxMemory() * 25 / 100) >> 20) + "MiB");
    assertThat(config.path("decision_cache").path("max_entries").asInt()).isEqualTo(200_000);
    assertThat(config.path("admin").path("decision_log").path("max_entries").asInt())
        .isEqualTo(50_000);
  }
}
