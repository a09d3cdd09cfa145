package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code /debug} page in a real headless Chromium: a person types a trace id or a conversation
 * id, presses Enter, and reads the plain-words answer the page rendered. Needs Debian's {@code
 * chromium} (installed by {@code .ci/run}); skipped on a developer machine without it, never in CI.
 */
class DebugPageBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir static Path dir;
  private static Sidecar llmtail;
  private static AdminClient client;
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
            """,
            "");
    llmtail = Sidecar.start(config, new SimpleMeterRegistry(), Duration.ofSeconds(5));
    client = new AdminClient(llmtail);
    browser = HeadlessChromium.launch(chromium);
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

  @Test
  void personTypesTraceIdAndReadsWhyItWasDropped() throws Exception {
    TraceBuilder trace = TraceBuilder.trace().service("chat-api");
    trace.root("POST /chat").durationMillis(800);
    trace.child("chat gpt-4o").attribute("gen_ai.conversation.id", "support-ticket-1234");
    client.send(trace);
    await().atMost(WAIT).until(() -> client.state(trace.traceIdHex()).equals("decided"));

    browser.open("http://127.0.0.1:" + llmtail.adminPort() + "/debug");
    String answer = answerAfterTyping(trace.traceIdHex());

    assertThat(answer)
        .startsWith("Dropped at ")
        .contains("no policy matched.")
        .contains("errors: no span of 2 has a status one of [ERROR].");
    Files.write(Path.of("target", "debug-page.png"), browser.screenshot());

    String byConversation = answerAfterTyping("support-ticket-1234");
    assertThat(byConversation)
        .startsWith("Conversation support-ticket-1234: 1 trace in the decision log")
        .contains(trace.traceIdHex())
        .contains("no policy matched");
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
    browser.open("http://127.0.0.1:" + llmtail.adminPort() + "/debug");
    assertThat(answerAfterTyping("4bf92f3577b34da6a3ce929d0e0e4736"))
        .startsWith("llmtail has no record of trace 4bf92f3577b34da6a3ce929d0e0e4736");
  }
}
