package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code /debug} page in a real headless Chromium, used as an on-call person would: type a
 * trace id or a conversation id, press Enter, read the banner, the verdict table, the trace's
 * waterfall (kept, buffered, and dropped while the span log retains it) and a conversation's
 * timeline; press "Keep this trace"; filter the recent decisions. Needs Debian's {@code chromium}
 * (installed by {@code .ci/run}); skipped on a developer machine without it, never in CI.
 *
 * <p>Each view is also written as a PNG to {@code target/screenshots/}; the ones in {@code
 * docs/images/} (shown in docs/debugging.md) are copies of them.
 */
class DebugPageBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");

  @TempDir static Path dir;
  private static Sidecar llmtail;
  private static AdminClient client;
  private static Sidecar retaining;
  private static AdminClient retainingClient;
  private static HeadlessChromium browser;

  /** One sidecar and one browser for the class: starting Chromium is the slow part. */
  @BeforeAll
  static void start() throws Exception {
    Path chromium = HeadlessChromium.binary().orElse(null);
    if (chromium == null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("chromium is not installed; .ci/run should have installed it");
      }
      Assumptions.abort("chromium is not installed (apt-get install chromium)");
    }
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
              - name: refusals
                type: refusal
              - name: truncated
                type: truncated-stream
              - name: baseline
                type: probabilistic
                sampling_percentage: 0.0001
            """,
            "");
    llmtail = Sidecar.start(config, new SimpleMeterRegistry(), Duration.ofSeconds(5));
    client = new AdminClient(llmtail);
    // A second llmtail with a span log: it holds the spans of the traces it drops.
    retaining =
        Sidecar.start(
            TestPorts.retainingConfig(
                retainedKeptFile(),
                dir.resolve("span-log"),
                """
                  - name: errors
                    type: status_code
                    status_codes: [ERROR]
                  - name: refusals
                    type: refusal
                """),
            new SimpleMeterRegistry(),
            Duration.ofSeconds(5));
    retainingClient = new AdminClient(retaining);
    browser = HeadlessChromium.launch(chromium);
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (client != null) {
      client.close();
    }
    if (llmtail != null) {
      llmtail.close();
    }
    if (retainingClient != null) {
      retainingClient.close();
    }
    if (retaining != null) {
      retaining.close();
    }
  }

  private static Path retainedKeptFile() {
    return dir.resolve("kept-retaining.jsonl");
  }

  private void openPage(String pathAndQuery) {
    openPage(llmtail, pathAndQuery);
  }

  private void openPage(Sidecar sidecar, String pathAndQuery) {
    browser.open("http://127.0.0.1:" + sidecar.adminPort() + pathAndQuery);
    browser.resize(1280, 900);
  }

  private String answerAfterTyping(String query) {
    browser.evaluate("document.getElementById('query').value = ''");
    browser.evaluate("document.getElementById('query').focus()");
    browser.type(query);
    browser.pressEnter();
    await()
        .atMost(WAIT)
        .until(
            () -> {
              String text = browser.evaluate("document.getElementById('answer').innerText");
              return !text.isEmpty() && !text.startsWith("Looking up");
            });
    return browser.evaluate("document.getElementById('answer').innerText");
  }

  private String text(String selector) {
    return browser.evaluate(
        "(function(){var e=document.querySelector("
            + quoted(selector)
            + ");return e?e.innerText:'(no '+"
            + quoted(selector)
            + "+')';})()");
  }

  private int count(String selector) {
    return Integer.parseInt(
        browser.evaluate("String(document.querySelectorAll(" + quoted(selector) + ").length)"));
  }

  /** Moves the keyboard focus to the element and presses Enter, as a keyboard user would. */
  private void pressEnterOn(String selector) {
    browser.evaluate("document.querySelector(" + quoted(selector) + ").focus()");
    browser.pressEnter();
  }

  private static String quoted(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  private void screenshot(String name) throws Exception {
    Files.write(SCREENSHOTS.resolve(name), browser.screenshotOfWholePage());
  }

  /** A chat turn: the request, a retrieval, and an LLM call that answered (or failed). */
  private static TraceBuilder chatTurn(String conversation, boolean llmFails) {
    TraceBuilder trace = TraceBuilder.trace().service("chat-api");
    TraceBuilder.SpanBuilder root = trace.root("POST /chat").durationMillis(1400);
    root.child("retrieve documents").startMillis(20).durationMillis(180);
    TraceBuilder.SpanBuilder call =
        root.child("chat gpt-4o")
            .startMillis(220)
            .durationMillis(1100)
            .attribute("gen_ai.operation.name", "chat")
            .attribute("gen_ai.system", "openai")
            .attribute("gen_ai.request.model", "gpt-4o")
            .attribute("gen_ai.response.model", "gpt-4o-2024-08-06")
            .attribute("gen_ai.usage.input_tokens", 812L)
            .attribute("gen_ai.usage.output_tokens", 164L)
            .attribute("gen_ai.conversation.id", conversation);
    if (llmFails) {
      call.error("upstream timeout").attribute("error.type", "timeout");
    } else {
      call.attribute("gen_ai.response.finish_reasons", List.of("stop"));
    }
    return trace;
  }

  private TraceBuilder decided(TraceBuilder trace) {
    return decided(client, trace);
  }

  private static TraceBuilder decided(AdminClient sidecar, TraceBuilder trace) {
    sidecar.send(trace);
    await().atMost(WAIT).until(() -> sidecar.state(trace.traceIdHex()).equals("decided"));
    return trace;
  }

  @Test
  void droppedTraceReadsAsBannerThenVerdictTableWithNoOpinionRowsFolded() throws Exception {
    TraceBuilder trace = decided(chatTurn("support-ticket-1234", false));

    openPage("/debug");
    String answer = answerAfterTyping(trace.traceIdHex());

    assertThat(answer).startsWith("Dropped at ");
    assertThat(text("#answer .banner"))
        .contains("no policy matched.")
        .contains("Deciding: no policy voted");
    assertThat(count("table.verdicts tbody.folded tr")).isEqualTo(5);
    assertThat(browser.evaluate("String(document.querySelector('tbody.folded').hidden)"))
        .isEqualTo("true");
    assertThat(text("#answer .waterfall-missing"))
        .isEqualTo(
            "Its spans were dropped with it: llmtail holds the decision, not the spans of dropped"
                + " traces.");

    pressEnterOn("button.fold");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(text("table.verdicts"))
                    .contains("no span of 3 has a status one of [ERROR]"));
    assertThat(
            browser.evaluate("document.querySelector('button.fold').getAttribute('aria-expanded')"))
        .isEqualTo("true");
    screenshot("debug-dropped-trace.png");
  }

  @Test
  void keptTraceShowsDecidingPolicyFirstAndItsSpansAsAWaterfall() throws Exception {
    TraceBuilder trace = decided(chatTurn("support-ticket-77", true));

    openPage("/debug");
    assertThat(answerAfterTyping(trace.traceIdHex())).startsWith("Kept at ");

    assertThat(text("#answer .banner"))
        .contains("kept by errors")
        .contains("Deciding: kept by errors");
    assertThat(text("table.verdicts tbody tr.deciding th")).isEqualTo("errors");
    assertThat(text("#answer table.waterfall"))
        .contains("POST /chat")
        .contains("retrieve documents")
        .contains("gpt-4o → gpt-4o-2024-08-06 · 812 in / 164 out tokens")
        .contains("error: upstream timeout");
    assertThat(count("#answer table.waterfall tbody tr")).isEqualTo(3);
    // The evidence of the deciding policy links to the span it read, and that row is marked.
    String evidenceLink =
        browser.evaluate("document.querySelector('tr.deciding a').getAttribute('href')");
    assertThat(evidenceLink).startsWith("#span-");
    assertThat(text("#answer table.waterfall tr" + evidenceLink))
        .contains("chat gpt-4o")
        .contains("◆ evidence: errors");
    assertThat(text(".trace-answer")).contains("The spans the decision saw");
    screenshot("debug-kept-trace.png");
  }

  @Test
  void droppedTraceWhoseSpansTheSpanLogRetainsShowsItsWaterfallAndAKeepButton() throws Exception {
    TraceBuilder trace = decided(retainingClient, chatTurn("support-ticket-42", false));

    openPage(retaining, "/debug");
    assertThat(answerAfterTyping(trace.traceIdHex())).startsWith("Dropped at ");

    assertThat(text(".trace-answer"))
        .contains("The spans of this dropped trace, still retained by the span log. 3 spans");
    assertThat(count("#answer table.waterfall tbody tr")).isEqualTo(3);
    assertThat(text("#answer table.waterfall"))
        .contains("POST /chat")
        .contains("retrieve documents")
        .contains("gpt-4o → gpt-4o-2024-08-06 · 812 in / 164 out tokens · finish stop");
    assertThat(text("#answer .keep-row")).contains("Keep this trace").contains("until ");
    screenshot("debug-dropped-retained-trace.png");
  }

  @Test
  void pressingKeepThisTraceExportsItAndTheHistoryShowsTheDropThenTheKeep() throws Exception {
    TraceBuilder trace = decided(retainingClient, chatTurn("support-ticket-43", false));

    openPage(retaining, "/debug");
    assertThat(answerAfterTyping(trace.traceIdHex())).startsWith("Dropped at ");
    assertThat(count("#answer table.history tbody tr.promoted")).isZero();

    pressEnterOn("#answer button.keep");
    await().atMost(WAIT).until(() -> count("#answer table.history tbody tr.promoted") == 1);

    // The drop and the keep are rows of one history, oldest first.
    String history = text("#answer table.history tbody");
    assertThat(history)
        .containsSubsequence(
            "decided: dropped (complete)",
            "no policy voted",
            "no policy matched",
            "kept afterwards",
            "a request (Keep this trace, or POST …/keep)",
            "kept on request");
    assertThat(text("#answer .banner"))
        .startsWith("Dropped at ")
        .contains("then kept at ")
        .contains("Deciding: a request");
    // The verdicts that dropped it still explain it.
    assertThat(text("table.verdicts caption")).contains("when it was dropped at ");
    assertThat(Files.readString(retainedKeptFile())).contains(trace.traceIdHex());
    screenshot("debug-kept-on-request.png");
  }

  @Test
  void aPageOfAnotherSiteCannotKeepATraceWithAFormOrAScript() throws Exception {
    TraceBuilder trace = decided(retainingClient, chatTurn("support-ticket-44", false));
    String keep =
        "http://127.0.0.1:"
            + retaining.adminPort()
            + "/debug/traces/"
            + trace.traceIdHex()
            + "/keep";
    // Any web page open in the same browser: its origin is localhost on another port, llmtail's is
    // 127.0.0.1, so the browser calls its requests cross-site.
    byte[] page =
        ("<!doctype html><title>You won!</title><form id=\"prize\" method=\"post\" action=\""
                + keep
                + "\"><button>Claim</button></form>")
            .getBytes(StandardCharsets.UTF_8);
    HttpServer elsewhere =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    elsewhere.createContext(
        "/",
        exchange -> {
          exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          exchange.sendResponseHeaders(200, page.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(page);
          }
        });
    elsewhere.start();
    try {
      browser.open("http://localhost:" + elsewhere.getAddress().getPort() + "/");

      // A script there that adds the header must ask first (CORS preflight); it is never granted.
      browser.evaluate(
          "window.verdict = 'pending'; fetch("
              + quoted(keep)
              + ", {method: 'POST', headers: {'X-Llmtail-Request': 'keep'}})"
              + ".then(function (r) { window.verdict = 'answered ' + r.status; },"
              + " function (e) { window.verdict = 'blocked: ' + e; })");
      await().atMost(WAIT).until(() -> !browser.evaluate("window.verdict").equals("pending"));
      assertThat(browser.evaluate("window.verdict")).startsWith("blocked");

      // A form needs no script and no preflight: the browser posts it; llmtail refuses it.
      browser.evaluate("document.getElementById('prize').submit()");
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .until(() -> browser.evaluate("document.body.innerText").contains("refused"));
      assertThat(browser.evaluate("document.body.innerText"))
          .contains("Sec-Fetch-Site: cross-site")
          .contains("cross-site request forgery");
    } finally {
      elsewhere.stop(0);
    }

    JsonNode after = retainingClient.json("/debug/traces/" + trace.traceIdHex());
    assertThat(after.path("decision").path("outcome").asText()).isEqualTo("dropped");
    assertThat(after.path("decision").path("earlier_decisions")).isEmpty();
    assertThat(Files.exists(retainedKeptFile()) ? Files.readString(retainedKeptFile()) : "")
        .doesNotContain(trace.traceIdHex());
  }

  @Test
  void bufferedTraceShowsTheSpansThatArrivedSoFar() throws Exception {
    TraceBuilder trace = TraceBuilder.trace().service("chat-api");
    trace.root("POST /chat").unended().child("chat gpt-4o").durationMillis(600);
    client.send(trace);
    await().atMost(WAIT).until(() -> client.state(trace.traceIdHex()).equals("buffered"));

    openPage("/debug");
    assertThat(answerAfterTyping(trace.traceIdHex()))
        .startsWith("Not decided yet: 2 spans buffered");

    assertThat(text(".trace-answer")).contains("The spans buffered so far");
    assertThat(count("#answer table.waterfall tbody tr")).isEqualTo(2);
    assertThat(text("#answer table.waterfall")).contains("not ended");
    screenshot("debug-buffered-trace.png");
  }

  @Test
  void conversationReadsAsATimelineWhoseTurnsOpenIntoTheirTraceAnswer() throws Exception {
    TraceBuilder first = decided(chatTurn("support-ticket-9", false));
    TraceBuilder second = decided(chatTurn("support-ticket-9", true));

    openPage("/debug");
    String answer = answerAfterTyping("support-ticket-9");

    assertThat(answer)
        .startsWith("Conversation support-ticket-9: 2 traces in the decision log")
        .contains("1 kept and 1 dropped");
    assertThat(count("#timeline tr.turn")).isEqualTo(2);
    assertThat(text("#timeline tr.turn:nth-of-type(1)"))
        .contains("dropped")
        .contains("no policy matched")
        .contains(first.traceIdHex());
    assertThat(text("#timeline tbody")).contains("kept by errors").contains("976");

    pressEnterOn("#timeline tr.turn button");
    await()
        .atMost(WAIT)
        .until(() -> text(".turn-answer:not([hidden]) .banner").startsWith("Dropped at "));
    assertThat(text("#timeline")).contains(second.traceIdHex());
    screenshot("debug-conversation.png");
  }

  @Test
  void recentDecisionsFilterByOutcomeAndShowKeepRateByPolicy() throws Exception {
    decided(chatTurn("support-ticket-5", true));
    decided(chatTurn("support-ticket-5", false));

    openPage("/debug?view=decisions");
    await().atMost(WAIT).until(() -> count("#decision-list tbody tr") >= 2);
    assertThat(count(".rate-chart")).isEqualTo(2);
    assertThat(text(".rate-chart caption")).startsWith("Keep rate, last 15m");
    assertThat(text(".rate-chart")).contains("errors").contains("all policies");

    browser.evaluate("document.getElementById('f-outcome').value = 'kept'");
    pressEnterOn("#filters button");
    await().atMost(WAIT).until(() -> browser.evaluate("location.search").contains("outcome=kept"));
    await()
        .atMost(WAIT)
        .until(
            () ->
                browser
                    .evaluate(
                        "Array.from(document.querySelectorAll('#decision-list td .outcome'))"
                            + ".every(function(e){return e.innerText==='kept';})+''")
                    .equals("true"));
    assertThat(count("#decision-list tbody tr")).isPositive();
    screenshot("debug-recent-decisions.png");
  }

  @Test
  void pageAsksForTheBearerTokenWhenTheApiNeedsOne() throws Exception {
    String token = "page-test-token-0123456789";
    String yaml =
        """
        receivers:
          grpc:
            endpoint: 127.0.0.1:0
          http:
            endpoint: 127.0.0.1:0
        policies:
          - name: errors
            type: status_code
            status_codes: [ERROR]
        exporter:
          file:
            path: ${env:OUT}
        admin:
          endpoint: 127.0.0.1:0
          bearer_token: ${env:TOKEN}
        """;
    LlmtailConfig config =
        ConfigLoader.withEnvironment(
                Map.of("OUT", dir.resolve("kept-token.jsonl").toString(), "TOKEN", token))
            .parse(Path.of("browser-token-test.yaml"), yaml);
    try (Sidecar protectedLlmtail =
        Sidecar.start(config, new SimpleMeterRegistry(), Duration.ofSeconds(5))) {
      browser.open("http://127.0.0.1:" + protectedLlmtail.adminPort() + "/debug");

      assertThat(answerAfterTyping("4bf92f3577b34da6a3ce929d0e0e4736"))
          .startsWith("This llmtail requires a bearer token");
      assertThat(browser.evaluate("String(document.getElementById('token-row').hidden)"))
          .isEqualTo("false");

      browser.evaluate("document.getElementById('token').focus()");
      browser.type(token);
      assertThat(answerAfterTyping("4bf92f3577b34da6a3ce929d0e0e4736"))
          .startsWith("llmtail has no record of trace 4bf92f3577b34da6a3ce929d0e0e4736");
    }
  }

  @Test
  void personTypesUnknownTraceIdAndIsToldItWasNeverSeen() {
    openPage("/debug");
    assertThat(answerAfterTyping("4bf92f3577b34da6a3ce929d0e0e4736"))
        .startsWith("llmtail has no record of trace 4bf92f3577b34da6a3ce929d0e0e4736");
  }
}
