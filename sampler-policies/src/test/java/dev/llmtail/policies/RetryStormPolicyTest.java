package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.PolicyContract;
import dev.llmtail.testing.TraceBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RetryStormPolicyTest extends PolicyContract<RetryStormPolicy.Options> {

  private final PolicyProvider<RetryStormPolicy.Options> provider = RetryStormPolicy.PROVIDER;

  @Override
  protected PolicyProvider<RetryStormPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected RetryStormPolicy.Options options() {
    return new RetryStormPolicy.Options(3, null);
  }

  @Override
  protected TraceView matchingTrace() {
    return LlmViews.of(threeAttempts(Dialect.OTEL_GENAI));
  }

  /** Two attempts rejected with 429, the third answered. */
  private static TraceBuilder threeAttempts(Dialect d) {
    return LlmTraces.chat(
        d,
        LlmCallSpec.healthy().error("429").finishReason(null).usage(null, null).at(0, 200),
        LlmCallSpec.healthy().error("429").finishReason(null).usage(null, null).at(300, 200),
        LlmCallSpec.healthy().at(900, 1400));
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsThreeAttemptsOfTheSameRequest(Dialect d) {
    Verdict v = provider.create(options()).evaluate(LlmViews.of(threeAttempts(d)));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).startsWith("retry-storm: 3 attempts of one");
  }

  @Test
  void keepsRetriesVisibleOnlyAsHttpClientSpans() {
    TraceBuilder t = LlmTraces.chat(Dialect.OPENINFERENCE, LlmCallSpec.healthy());
    TraceBuilder.SpanBuilder llm = t.child("ChatCompletion");
    llm.child("POST")
        .attribute("http.request.method", "POST")
        .attribute("http.response.status_code", 429L);
    llm.child("POST")
        .attribute("http.request.method", "POST")
        .attribute("http.response.status_code", 429L);
    llm.child("POST")
        .attribute("http.request.method", "POST")
        .attribute("http.response.status_code", 200L)
        .attribute("http.request.resend_count", 2L);
    Verdict v = provider.create(options()).evaluate(LlmViews.of(t));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
  }

  @Test
  void keepsRetriesSeenAsSpringHttpClientObservations() {
    // Spring AI retries a 5xx through its RestClient, whose observations name the status "status".
    TraceBuilder t = LlmTraces.chat(Dialect.SPRING_AI, LlmCallSpec.healthy().error("500"));
    TraceBuilder.SpanBuilder llm = t.child("chat gpt-4o");
    for (int i = 0; i < 3; i++) {
      llm.child("http post")
          .attribute("http.url", "http://127.0.0.1:8080/v1/chat/completions")
          .attribute("method", "POST")
          .attribute("outcome", "SERVER_ERROR")
          .attribute("status", "500");
    }
    Verdict v = provider.create(options()).evaluate(LlmViews.of(t));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).contains("HTTP attempts answered 429/5xx");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void leavesARequestThatSucceededOnTheFirstTryAlone(Dialect d) {
    Verdict v =
        provider.create(options()).evaluate(LlmViews.of(LlmTraces.chat(d, LlmCallSpec.healthy())));
    assertThat(v.vote()).isEqualTo(Vote.NO_OPINION);
    assertThat(v.reason()).isEqualTo("at most 1 attempt(s) of any request");
  }

  @Test
  void anAgentLoopWithoutCapturedPromptsIsNotARetryStorm() {
    // Spring AI captures no content here: same model, same span name, every call succeeded.
    TraceBuilder t =
        LlmTraces.chat(
            Dialect.SPRING_AI,
            LlmCallSpec.healthy().finishReason("tool_calls"),
            LlmCallSpec.healthy().finishReason("tool_calls").at(2000, 500),
            LlmCallSpec.healthy().finishReason("tool_calls").at(3000, 500),
            LlmCallSpec.healthy().at(4000, 500));
    assertThat(provider.create(options()).evaluate(LlmViews.of(t)).vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void twoDifferentPromptsAreNotRetriesOfEachOther() {
    TraceBuilder t =
        LlmTraces.chat(
            Dialect.OTEL_GENAI,
            LlmCallSpec.healthy().prompt("plan the trip"),
            LlmCallSpec.healthy().prompt("book the hotel").at(2000, 500),
            LlmCallSpec.healthy().prompt("write the summary").at(3000, 500));
    assertThat(provider.create(options()).evaluate(LlmViews.of(t)).vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void questionsAboutOneLongDocumentAreNotRetries(Dialect d) {
    // The prompts share their first 10 000 characters and differ at the end.
    String contract = "Clause: the supplier delivers within 14 days. ".repeat(220);
    TraceBuilder t =
        LlmTraces.chat(
            d,
            LlmCallSpec.healthy().prompt(contract + "How long is delivery?"),
            LlmCallSpec.healthy().prompt(contract + "What is the penalty?").at(2000, 500),
            LlmCallSpec.healthy().prompt(contract + "Is there a cap?").at(3000, 500));
    assertThat(provider.create(options()).evaluate(LlmViews.of(t)).vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void theSameMessageUnderOtherSystemInstructionsIsAnotherRequest() {
    // One text translated into three languages, the instructions captured apart (AI SDK v7).
    TraceBuilder t = TraceBuilder.trace();
    TraceBuilder.SpanBuilder root = t.root("POST /translate");
    for (String language : java.util.List.of("French", "German", "Spanish")) {
      root.child("chat gpt-4o")
          .attribute("gen_ai.operation.name", "chat")
          .attribute("gen_ai.request.model", "gpt-4o")
          .attribute("gen_ai.system_instructions", "Translate into " + language + ".")
          .attribute(
              "gen_ai.input.messages",
              "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Your order ships today.\"}]}]");
    }
    assertThat(provider.create(options()).evaluate(LlmViews.of(t)).vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void theRollingRateKeepsRetryingTracesOnceAModelsRetryRateClimbs() {
    Policy p =
        provider.create(
            new RetryStormPolicy.Options(
                5, new RetryStormPolicy.Rolling(Duration.ofMinutes(5), 0.2, 10)));
    // Ten clean calls, then traces with one retry each: 1 retry per 2 calls pushes the rate over
    // 0.2.
    for (int i = 0; i < 10; i++) {
      assertThat(
              p.evaluate(
                      LlmViews.of(
                          LlmTraces.chat(
                              Dialect.OTEL_GENAI, LlmCallSpec.healthy().prompt("q" + i))))
                  .vote())
          .isEqualTo(Vote.NO_OPINION);
    }
    Vote last = null;
    for (int i = 0; i < 5; i++) {
      TraceBuilder retried =
          LlmTraces.chat(
              Dialect.OTEL_GENAI,
              LlmCallSpec.healthy().prompt("r" + i).error("503").finishReason(null),
              LlmCallSpec.healthy().prompt("r" + i).at(500, 900));
      last = p.evaluate(LlmViews.of(retried)).vote();
    }
    assertThat(last).isEqualTo(Vote.KEEP);
  }

  @Test
  void theMostAttemptedRequestIsFoundAmongOtherCalls() {
    TraceBuilder t =
        LlmTraces.chat(
            Dialect.OTEL_GENAI,
            LlmCallSpec.healthy().prompt("plan the trip"),
            LlmCallSpec.healthy().prompt("book the hotel").at(1000, 500),
            LlmCallSpec.healthy().prompt("book the hotel").at(2000, 500),
            LlmCallSpec.healthy().prompt("write the summary").at(3000, 500),
            LlmCallSpec.healthy().prompt("book the hotel").at(4000, 500));
    Verdict v = provider.create(options()).evaluate(LlmViews.of(t));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).startsWith("retry-storm: 3 attempts of one");
  }

  @Test
  void attemptsAreCountedWhenTheModelNameHoldsAVerticalBar() {
    TraceBuilder t =
        LlmTraces.chat(
            Dialect.OTEL_GENAI,
            LlmCallSpec.healthy()
                .models("gateway|gpt-4o", "gateway|gpt-4o")
                .prompt("book the hotel"),
            LlmCallSpec.healthy()
                .models("gateway|gpt-4o", "gateway|gpt-4o")
                .prompt("book the hotel")
                .at(1000, 500),
            LlmCallSpec.healthy()
                .models("gateway|gpt-4o", "gateway|gpt-4o")
                .prompt("book the hotel")
                .at(2000, 500));
    assertThat(provider.create(options()).evaluate(LlmViews.of(t)).vote()).isEqualTo(Vote.KEEP);
  }
}
