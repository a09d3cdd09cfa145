package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.llmtail.core.CapturedPrompt;
import dev.llmtail.core.LlmCall;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health, readiness, Prometheus metrics after a known mix of traffic, and the bearer token. */
class AdminEndpointsTest {

  private static final String TOKEN = "0123456789abcdef-token";
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;
  private Sidecar llmtail;
  private AdminClient client;

  private void start(String token) throws Exception {
    LlmtailConfig config =
        TestPorts.quickConfig(
            dir.resolve("kept.jsonl"),
            """
              - name: errors
                type: status_code
                status_codes: [ERROR]
            """,
            "  bearer_token: \"" + token + "\"\n");
    llmtail =
        Sidecar.start(
            config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Duration.ofSeconds(5));
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
  void healthAndReadinessAnswerOnceTheReceiversListen() throws Exception {
    start("");
    assertThat(client.get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = client.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ready\n");
  }

  @Test
  void theImagesHealthCheckPassesWhileReadyAndFailsOnceStopped() throws Exception {
    start(TOKEN); // probes need no token
    int admin = llmtail.adminPort();
    assertThat(ReadinessProbe.check("127.0.0.1", admin)).isTrue();
    client.close();
    llmtail.close();
    llmtail = null;
    assertThat(ReadinessProbe.check("127.0.0.1", admin)).isFalse();
  }

  @Test
  void withoutTokenConfiguredDebugNeedsNoAuthorization() throws Exception {
    start("");
    assertThat(client.get("/debug/decisions").statusCode()).isEqualTo(200);
    assertThat(client.get("/debug/traces/4bf92f3577b34da6a3ce929d0e0e4736").statusCode())
        .isEqualTo(200);
  }

  @Test
  void withTokenConfiguredDebugApiRefusesMissingOrWrongToken() throws Exception {
    start(TOKEN);
    HttpResponse<String> none = client.get("/debug/traces/4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"llmtail\"");
    assertThat(none.body()).contains("Authorization: Bearer");
    assertThat(client.get("/debug/config").statusCode()).isEqualTo(401);
    assertThat(client.withToken(TOKEN + "x").get("/debug/decisions").statusCode()).isEqualTo(401);
    assertThat(client.withToken(TOKEN.substring(1)).get("/debug/decisions").statusCode())
        .isEqualTo(401);

    assertThat(client.withToken(TOKEN).get("/debug/decisions").statusCode()).isEqualTo(200);
    assertThat(client.get("/debug/traces/4bf92f3577b34da6a3ce929d0e0e4736").statusCode())
        .isEqualTo(200);
  }

  @Test
  void withTokenConfiguredPageProbesAndMetricsStayOpen() throws Exception {
    start(TOKEN);
    HttpResponse<String> page = client.get("/debug");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.body()).contains("<form id=\"ask\"");
    assertThat(client.get("/metrics").statusCode()).isEqualTo(200);
    assertThat(client.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(client.get("/readyz").statusCode()).isEqualTo(200);
  }

  @Test
  void metricsCountLlmUsageAtIngestAndSamplingOutcomes() throws Exception {
    start("");
    llmtail
        .llmUsage()
        .count(
            List.of(
                call(
                    "openai",
                    "gpt-4o",
                    "gpt-4o-2024-08-06",
                    false,
                    List.of("stop"),
                    100L,
                    50L,
                    20L,
                    0.01,
                    false,
                    1),
                call(
                    "openai",
                    "gpt-4o",
                    "",
                    false,
                    List.of("content_filter"),
                    200L,
                    10L,
                    null,
                    0.02,
                    false,
                    null),
                call(
                    "anthropic",
                    "claude-sonnet-4",
                    "claude-sonnet-4",
                    true,
                    List.of(),
                    300L,
                    5L,
                    0L,
                    null,
                    true,
                    2),
                call(
                    "openai",
                    "my-private-finetune",
                    "",
                    false,
                    List.of("stop"),
                    1L,
                    1L,
                    null,
                    null,
                    false,
                    null),
                call(
                    "acme-llm",
                    "gpt-4o",
                    "gpt-4o",
                    false,
                    List.of("stop"),
                    1L,
                    1L,
                    null,
                    null,
                    false,
                    null)));
    TraceBuilder failing = TraceBuilder.trace();
    failing.root("POST /chat");
    failing.child("chat gpt-4o").error("500");
    TraceBuilder healthy = TraceBuilder.trace();
    healthy.root("POST /chat");
    client.send(failing);
    client.send(healthy);
    await().atMost(WAIT).until(() -> llmtail.decisionLog().size() == 2);

    String metrics = client.get("/metrics").body();
    assertThat(
            value(
                metrics,
                "llmtail_llm_calls_total",
                "provider=\"openai\"",
                "model=\"gpt-4o-2024-08-06\""))
        .isEqualTo(1);
    assertThat(value(metrics, "llmtail_llm_calls_total", "provider=\"openai\"", "model=\"gpt-4o\""))
        .isEqualTo(1);
    assertThat(value(metrics, "llmtail_llm_calls_total", "provider=\"openai\"", "model=\"other\""))
        .isEqualTo(1);
    assertThat(value(metrics, "llmtail_llm_calls_total", "provider=\"other\"", "model=\"gpt-4o\""))
        .isEqualTo(1);
    assertThat(
            value(
                metrics,
                "llmtail_llm_tokens_total",
                "model=\"gpt-4o-2024-08-06\"",
                "type=\"input\""))
        .isEqualTo(100);
    assertThat(
            value(
                metrics,
                "llmtail_llm_tokens_total",
                "model=\"gpt-4o-2024-08-06\"",
                "type=\"cached_input\""))
        .isEqualTo(20);
    assertThat(
            value(
                metrics,
                "llmtail_llm_tokens_total",
                "model=\"claude-sonnet-4\"",
                "type=\"output\""))
        .isEqualTo(5);
    assertThat(
            value(metrics, "llmtail_llm_cost_usd_total", "model=\"gpt-4o\"", "provider=\"openai\""))
        .isEqualTo(0.02);
    assertThat(value(metrics, "llmtail_llm_refusals_total", "model=\"gpt-4o\"")).isEqualTo(1);
    assertThat(value(metrics, "llmtail_llm_errors_total", "model=\"claude-sonnet-4\""))
        .isEqualTo(1);
    assertThat(value(metrics, "llmtail_llm_retries_total", "model=\"claude-sonnet-4\""))
        .isEqualTo(1);
    assertThat(value(metrics, "llmtail_llm_streams_truncated_total", "model=\"claude-sonnet-4\""))
        .isEqualTo(1);
    assertThat(metrics).doesNotContain("my-private-finetune").doesNotContain("acme-llm");

    assertThat(
            value(
                metrics,
                "llmtail_receiver_spans_total",
                "result=\"accepted\"",
                "transport=\"grpc\""))
        .isEqualTo(3);
    assertThat(
            value(metrics, "llmtail_decisions_total", "outcome=\"kept\"", "trigger=\"complete\""))
        .isEqualTo(1);
    assertThat(
            value(
                metrics, "llmtail_decisions_total", "outcome=\"dropped\"", "trigger=\"complete\""))
        .isEqualTo(1);
    assertThat(value(metrics, "llmtail_policy_votes_total", "policy=\"errors\"", "vote=\"keep\""))
        .isEqualTo(1);
    assertThat(
            value(
                metrics, "llmtail_policy_votes_total", "policy=\"errors\"", "vote=\"no_opinion\""))
        .isEqualTo(1);
    assertThat(value(metrics, "llmtail_spans_total", "outcome=\"kept\"")).isEqualTo(2);
    assertThat(value(metrics, "llmtail_spans_total", "outcome=\"dropped\"")).isEqualTo(1);
    assertThat(value(metrics, "llmtail_decision_log_entries")).isEqualTo(2);
    assertThat(value(metrics, "llmtail_buffer_traces")).isEqualTo(0);
    assertThat(value(metrics, "llmtail_decision_latency_seconds_count")).isEqualTo(2);
  }

  @Test
  void takenAdminPortFailsStartupNamingTheKey() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String yaml =
          """
          receivers:
            grpc:
              endpoint: 127.0.0.1:0
            http:
              endpoint: 127.0.0.1:0
          policies:
            - {name: errors, type: status_code, status_codes: [ERROR]}
          exporter:
            file:
              path: ${env:OUT}
          admin:
            endpoint: 127.0.0.1:%d
          """
              .formatted(taken.getLocalPort());
      LlmtailConfig config =
          ConfigLoader.withEnvironment(Map.of("OUT", dir.resolve("kept.jsonl").toString()))
              .parse(Path.of("taken.yaml"), yaml);
      assertThatThrownBy(
              () ->
                  Sidecar.start(
                      config,
                      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                      Duration.ofSeconds(1)))
          .isInstanceOf(ListenFailure.class)
          .hasMessage(
              "port "
                  + taken.getLocalPort()
                  + " (admin HTTP on 127.0.0.1:"
                  + taken.getLocalPort()
                  + ") is in use by another process: set admin.endpoint (or"
                  + " LLMTAIL_ADMIN_ENDPOINT with the shipped config) to a free host:port, e.g."
                  + " 127.0.0.1:0 for any");
    }
  }

  /** The value of the one sample of {@code name} whose labels include every {@code labels}. */
  @Test
  void countsAWrapperAndItsInnerCallThatArriveInTwoBatchesAsOneCall() throws Exception {
    start("");
    // The AI SDK's ai.streamText wrapper ends after its doStream call: an app's batch exporter
    // can send them apart. Read alone, the wrapper looks like a call of its own. The root ends
    // last, so it comes with the wrapper; sent earlier, a gap over the 100 ms quiet period (a
    // loaded machine) would decide the trace before the wrapper arrived.
    TraceBuilder t =
        LlmTraces.chat(
            Dialect.VERCEL_AI_SDK, LlmCallSpec.healthy().streaming().models("gpt-4o", "gpt-4o"));
    ResourceSpans all = t.resourceSpans();
    Predicate<String> wrapperOrRoot =
        name -> name.equals("ai.streamText") || name.equals("POST /chat");
    client.send(only(all, wrapperOrRoot.negate()));
    client.send(only(all, wrapperOrRoot));
    await().atMost(WAIT).until(() -> llmtail.decisionLog().size() == 1);

    String metrics = client.get("/metrics").body();
    assertThat(value(metrics, "llmtail_llm_calls_total", "model=\"gpt-4o\"")).isEqualTo(1);
  }

  private static ResourceSpans only(ResourceSpans all, Predicate<String> name) {
    ScopeSpans scope = all.getScopeSpans(0);
    return all.toBuilder()
        .setScopeSpans(
            0,
            scope.toBuilder()
                .clearSpans()
                .addAllSpans(
                    scope.getSpansList().stream().filter(s -> name.test(s.getName())).toList()))
        .build();
  }

  private static double value(String exposition, String name, String... labels) {
    Pattern line =
        Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);
    Matcher m = line.matcher(exposition);
    Double found = null;
    while (m.find()) {
      String labelText = m.group(1) == null ? "" : m.group(1);
      if (List.of(labels).stream().allMatch(labelText::contains)) {
        if (found != null) {
          throw new AssertionError("more than one sample of " + name + " with " + List.of(labels));
        }
        found = Double.parseDouble(m.group(2));
      }
    }
    if (found == null) {
      throw new AssertionError(
          "no sample of " + name + " with " + List.of(labels) + " in:\n" + exposition);
    }
    return found;
  }

  private static LlmCall call(
      String provider,
      String requestModel,
      String responseModel,
      boolean streaming,
      List<String> finish,
      Long in,
      Long out,
      Long cached,
      Double cost,
      boolean error,
      Integer attempt) {
    return new LlmCall(
        "00f067aa0ba902b7",
        "chat " + requestModel,
        provider,
        requestModel,
        responseModel,
        "chat",
        streaming,
        finish,
        in,
        out,
        cached,
        null,
        null,
        cost,
        "",
        error,
        true,
        attempt,
        "",
        CapturedPrompt.NONE,
        "",
        TraceBuilder.BASE_EPOCH_NANOS,
        TraceBuilder.BASE_EPOCH_NANOS + 1_000_000,
        false);
  }
}
