package dev.llmtail.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.buffer.BufferSettings;
import dev.llmtail.core.buffer.FanOutListener;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.status.SpanSource;
import dev.llmtail.core.status.TraceStatusLookup;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What {@code /debug/traces/{id}} says about traces a real buffer and log hold, on a fake clock: no
 * quiet period is waited for.
 */
class DebugApiTest {

  private static final Duration QUIET = Duration.ofSeconds(10);

  private final AtomicLong ticker = new AtomicLong(1_000_000_000L);
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final DecisionLog log = new DecisionLog(100, Duration.ofHours(1), false, clock);

  private final KeptSpans kept = new KeptSpans(1 << 20, Duration.ofHours(1), ticker::get);

  /**
   * Keeps every trace but a health check (a second policy has no opinion); a trace may hold at most
   * 3 spans.
   */
  private final TraceBuffer buffer =
      TraceBuffer.builder()
          .settings(
              new BufferSettings(
                  QUIET,
                  Duration.ofMinutes(5),
                  100,
                  1 << 20,
                  100,
                  Duration.ofMinutes(10),
                  3,
                  1 << 20))
          .engine(
              () ->
                  new DecisionEngine(
                      List.of(
                          new NamedPolicy("all", "always_sample", t -> Verdict.keep("all")),
                          new NamedPolicy("quiet", "test", t -> Verdict.noOpinion("nothing")),
                          new NamedPolicy(
                              "health",
                              "test",
                              t ->
                                  t.root().map(r -> r.name().equals("GET /healthz")).orElse(false)
                                      ? Verdict.drop("a health check")
                                      : Verdict.noOpinion("not a health check"))),
                      clock,
                      meters))
          .listener(new FanOutListener(List.of(log, kept)))
          .genAi(new GenAiNormalizer(meters))
          .ticker(ticker::get)
          .meters(meters)
          .build();

  private final DebugApi api =
      new DebugApi(
          log,
          new TraceStatusLookup(buffer, log)::status,
          spanSources(buffer, kept),
          clock,
          false,
          null);

  private JsonNode trace(String id) throws Exception {
    return DebugApi.JSON.readTree(new String(api.trace(id).body(), StandardCharsets.UTF_8));
  }

  private static Map<String, SpanSource> spanSources(TraceBuffer buffer, KeptSpans kept) {
    Map<String, SpanSource> sources = new LinkedHashMap<>();
    sources.put("buffered", buffer::bufferedSpans);
    sources.put("kept", kept);
    return sources;
  }

  private static JsonNode body(AdminResponse response) throws Exception {
    assertThat(response.status()).isEqualTo(200);
    return DebugApi.JSON.readTree(new String(response.body(), StandardCharsets.UTF_8));
  }

  /** Lets the quiet period pass and decides every trace that is due. */
  private void quietPeriodPasses() {
    ticker.addAndGet(QUIET.toNanos());
    buffer.decideDue();
  }

  /** A one-span trace, admitted and decided. */
  private TraceBuilder decided(String rootName) {
    TraceBuilder t = TraceBuilder.trace();
    t.root(rootName);
    buffer.admit(t.fragments());
    quietPeriodPasses();
    return t;
  }

  /** A chat request whose one LLM call is a child of the root. */
  private static TraceBuilder chat(String service, String model) {
    TraceBuilder t = TraceBuilder.trace().service(service);
    t.root("POST /chat")
        .durationMillis(900)
        .child("chat " + model)
        .startMillis(100)
        .durationMillis(700)
        .attribute("gen_ai.operation.name", "chat")
        .attribute("gen_ai.system", "openai")
        .attribute("gen_ai.request.model", model)
        .attribute("gen_ai.response.model", model + "-2024-08-06")
        .attribute("gen_ai.usage.input_tokens", 120L)
        .attribute("gen_ai.usage.output_tokens", 30L)
        .attribute("gen_ai.response.finish_reasons", List.of("stop"));
    return t;
  }

  @Test
  void aBufferedTraceShowsTheSpansThatArrivedAsAWaterfall() throws Exception {
    TraceBuilder t = chat("chat-api", "gpt-4o");
    buffer.admit(t.fragments());

    JsonNode waterfall = trace(t.traceIdHex()).path("waterfall");
    assertThat(waterfall.path("source").asText()).isEqualTo("buffered");
    JsonNode spans = waterfall.path("spans");
    assertThat(spans).hasSize(2);
    assertThat(spans.get(0).path("name").asText()).isEqualTo("POST /chat");
    assertThat(spans.get(0).path("depth").asInt()).isZero();
    assertThat(spans.get(0).path("service").asText()).isEqualTo("chat-api");
    assertThat(spans.get(0).path("duration_ms").asDouble()).isEqualTo(900.0);
    JsonNode call = spans.get(1);
    assertThat(call.path("depth").asInt()).isEqualTo(1);
    assertThat(call.path("start_offset_ms").asDouble()).isEqualTo(100.0);
    assertThat(call.path("llm").path("model_asked").asText()).isEqualTo("gpt-4o");
    assertThat(call.path("llm").path("model_answered").asText()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(call.path("llm").path("input_tokens").asLong()).isEqualTo(120);
    assertThat(call.path("llm").path("finish_reasons").get(0).asText()).isEqualTo("stop");
    assertThat(call.path("llm").has("input")).as("message content is off").isFalse();
  }

  @Test
  void theWaterfallShowsPromptAndOutputOnlyWhenMessageContentIsOn() throws Exception {
    TraceBuilder t = chat("chat-api", "gpt-4o");
    t.child("chat gpt-4o-mini")
        .attribute("gen_ai.operation.name", "chat")
        .attribute("gen_ai.request.model", "gpt-4o-mini")
        .attribute("gen_ai.prompt", "What is my refund status?");
    buffer.admit(t.fragments());
    DebugApi showing =
        new DebugApi(
            log,
            new TraceStatusLookup(buffer, log)::status,
            spanSources(buffer, kept),
            clock,
            true,
            null);

    JsonNode shown = body(showing.trace(t.traceIdHex())).path("waterfall").path("spans");
    assertThat(shown.findValuesAsText("input")).contains("What is my refund status?");
    JsonNode hidden = trace(t.traceIdHex()).path("waterfall").path("spans");
    assertThat(hidden.findValues("input")).isEmpty();
  }

  @Test
  void aKeptTraceShowsTheSpansItsDecisionSaw() throws Exception {
    TraceBuilder t = chat("chat-api", "gpt-4o");
    buffer.admit(t.fragments());
    quietPeriodPasses();

    JsonNode answer = trace(t.traceIdHex());
    assertThat(answer.path("decision").path("outcome").asText()).isEqualTo("kept");
    assertThat(answer.path("waterfall").path("source").asText()).isEqualTo("kept");
    assertThat(answer.path("waterfall").path("spans")).hasSize(2);
  }

  @Test
  void aDroppedTraceSaysItsSpansAreNotHeld() throws Exception {
    TraceBuilder t = decided("GET /healthz");

    JsonNode answer = trace(t.traceIdHex());
    assertThat(answer.path("decision").path("outcome").asText()).isEqualTo("dropped");
    assertThat(answer.has("waterfall")).isFalse();
    assertThat(answer.path("waterfall_missing").asText())
        .isEqualTo(
            "Its spans were dropped with it: llmtail holds the decision, not the spans of dropped"
                + " traces.");
  }

  @Test
  void aSpanLogThatRetainsDroppedTracesPlugsInAsAThirdSource() throws Exception {
    TraceBuilder t = decided("GET /healthz");
    Map<String, SpanSource> sources = new LinkedHashMap<>(spanSources(buffer, kept));
    sources.put(
        "retained", id -> id.equals(t.traceId()) ? Optional.of(t.view()) : Optional.empty());
    DebugApi withSpanLog =
        new DebugApi(log, new TraceStatusLookup(buffer, log)::status, sources, clock, false, null);

    JsonNode answer = body(withSpanLog.trace(t.traceIdHex()));
    assertThat(answer.path("decision").path("outcome").asText()).isEqualTo("dropped");
    assertThat(answer.path("waterfall").path("source").asText()).isEqualTo("retained");
    assertThat(answer.path("waterfall").path("spans").get(0).path("name").asText())
        .isEqualTo("GET /healthz");
  }

  @Test
  void keepRatesCountEachPolicysKeepVotesOverTheWindows() throws Exception {
    for (String root : List.of("POST /chat", "POST /chat", "POST /chat", "GET /healthz")) {
      decided(root);
    }

    JsonNode windows = body(api.keepRates()).path("windows");
    assertThat(windows).hasSize(2);
    assertThat(windows.get(0).path("window").asText()).isEqualTo("15m");
    assertThat(windows.get(1).path("window").asText()).isEqualTo("1h");
    JsonNode quarter = windows.get(0);
    assertThat(quarter.path("decisions").asInt()).isEqualTo(4);
    assertThat(quarter.path("kept").asInt()).isEqualTo(3);
    assertThat(quarter.path("keep_rate").asDouble()).isEqualTo(0.75);
    // Sorted by name: all, health, quiet.
    assertThat(quarter.path("policies").get(0).path("name").asText()).isEqualTo("all");
    assertThat(quarter.path("policies").get(0).path("keep_votes").asInt()).isEqualTo(4);
    assertThat(quarter.path("policies").get(1).path("drop_votes").asInt()).isEqualTo(1);
    assertThat(quarter.path("policies").get(2).path("keep_rate").asDouble()).isZero();
  }

  @Test
  void recentDecisionsFilterByServiceAndModel() throws Exception {
    TraceBuilder chat = chat("chat-api", "gpt-4o");
    TraceBuilder search = chat("search-api", "claude-sonnet-4");
    buffer.admit(chat.fragments());
    buffer.admit(search.fragments());
    quietPeriodPasses();

    JsonNode byService = body(api.decisions(Map.of("service", List.of("search-api"))));
    assertThat(byService.path("count").asInt()).isEqualTo(1);
    assertThat(byService.path("decisions").get(0).path("trace_id").asText())
        .isEqualTo(search.traceIdHex());
    JsonNode byModel = body(api.decisions(Map.of("model", List.of("gpt-4o-2024-08-06"))));
    assertThat(byModel.path("count").asInt()).isEqualTo(1);
    assertThat(byModel.path("decisions").get(0).path("trace_id").asText())
        .isEqualTo(chat.traceIdHex());
    assertThat(api.decisions(Map.of("until", List.of("yesterday"))).status()).isEqualTo(400);
  }

  @Test
  void aTraceOverMaxTraceSpansIsDecidedAtOnceAndSaysSo() throws Exception {
    TraceBuilder runaway = TraceBuilder.trace();
    runaway.root("agent loop").unended();
    for (int step = 1; step <= 3; step++) {
      runaway.child("tool call " + step);
    }
    buffer.admit(runaway.fragments()); // 4 spans, one over the limit; the clock stands still

    JsonNode answer = trace(runaway.traceIdHex());
    assertThat(answer.path("state").asText()).isEqualTo("decided");
    assertThat(answer.path("decision").path("trigger").asText()).isEqualTo("max_trace_spans");
    assertThat(answer.path("explanation").asText()).contains("decided early: over max_trace_spans");
    assertThat(
            meters.counter("llmtail.buffer.decided.over_limit", "limit", "max_trace_spans").count())
        .isEqualTo(1);

    TraceBuilder later = TraceBuilder.trace(runaway.traceIdHex());
    later.child("tool call 4");
    buffer.admit(later.fragments());
    assertThat(trace(runaway.traceIdHex()).path("decision").path("late_spans_since").asInt())
        .isEqualTo(1);
  }

  @Test
  void aBufferedTraceSaysWhatItWaitsFor() throws Exception {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    buffer.admit(t.fragments());
    ticker.addAndGet(Duration.ofSeconds(4).toNanos());

    JsonNode answer = trace(t.traceIdHex());
    assertThat(answer.path("state").asText()).isEqualTo("buffered");
    assertThat(answer.path("buffered").path("waiting_for").asText())
        .isEqualTo(
            "its root span has ended; it is decided once no span arrives for quiet_period 10s");
    assertThat(answer.path("explanation").asText()).contains("(in 6s, trigger complete)");
  }

  @Test
  void everyVoteIsSpelledSnakeCase() throws Exception {
    TraceBuilder t = decided("POST /chat");

    JsonNode policies = trace(t.traceIdHex()).path("decision").path("policies");
    assertThat(policies.get(0).path("vote").asText()).isEqualTo("keep");
    assertThat(policies.get(1).path("vote").asText()).isEqualTo("no_opinion");
    assertThat(trace(t.traceIdHex()).path("decision").path("kept_by").get(0).asText())
        .isEqualTo("all");
  }
}
