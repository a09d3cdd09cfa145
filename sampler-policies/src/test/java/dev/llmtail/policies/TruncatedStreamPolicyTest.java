package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.PolicyContract;
import dev.llmtail.testing.TraceBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TruncatedStreamPolicyTest extends PolicyContract<TruncatedStreamPolicy.Options> {

  private final PolicyProvider<TruncatedStreamPolicy.Options> provider =
      TruncatedStreamPolicy.PROVIDER;

  @Override
  protected PolicyProvider<TruncatedStreamPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected TruncatedStreamPolicy.Options options() {
    return new TruncatedStreamPolicy.Options(null, null, null);
  }

  @Override
  protected TraceView matchingTrace() {
    return LlmViews.of(
        LlmTraces.chat(
            Dialect.OTEL_GENAI, LlmCallSpec.healthy().streaming().finishReason("length")));
  }

  private Verdict verdict(Dialect d, LlmCallSpec spec) {
    return provider.create(options()).evaluate(LlmViews.of(LlmTraces.chat(d, spec)));
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsAStreamCutByTheTokenLimit(Dialect d) {
    assumeTrue(d.expressesStreaming());
    Verdict v = verdict(d, LlmCallSpec.healthy().streaming().finishReason("length"));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).endsWith("finished with length");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsAStreamThatEndedWithoutAFinishReasonOrUsage(Dialect d) {
    assumeTrue(d.expressesStreaming());
    assertThat(
            verdict(d, LlmCallSpec.healthy().streaming().finishReason(null).usage(null, null))
                .vote())
        .isEqualTo(Vote.KEEP);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void leavesAStreamWhoseInstrumentationRecordsUsageButNoFinishReason(Dialect d) {
    assumeTrue(d.expressesStreaming());
    assertThat(verdict(d, LlmCallSpec.healthy().streaming().finishReason(null)).vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsAStreamThatEndedWithAnError(Dialect d) {
    assumeTrue(d.expressesStreaming());
    Verdict v = verdict(d, LlmCallSpec.healthy().streaming().error("UND_ERR_SOCKET"));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
  }

  @Test
  void keepsAnAbortedAiSdkStreamWhoseInnerSpanNeverArrived() {
    Verdict v = verdict(Dialect.VERCEL_AI_SDK, LlmCallSpec.healthy().streaming().unended());
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).contains("ai.streamText").contains("ended without a finish reason");
  }

  @Test
  void keepsAFailedHttpSpanWhoseLlmParentNeverArrived() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat")
        .child("ChatCompletion")
        .notExported() // a cut stream never ends its LLM span
        .child("POST")
        .attribute("http.request.method", "POST")
        .attribute("http.response.status_code", 200L)
        .error("UND_ERR_SOCKET");
    Verdict v = provider.create(options()).evaluate(LlmViews.of(t));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).contains("its parent span never arrived");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void leavesAStreamThatFinishedNormallyAlone(Dialect d) {
    assertThat(verdict(d, LlmCallSpec.healthy().streaming()).vote()).isEqualTo(Vote.NO_OPINION);
    assertThat(verdict(d, LlmCallSpec.healthy().streaming().finishReason("tool_calls")).vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsAnAnswerCutByTheTokenLimitWhetherStreamedOrNot(Dialect d) {
    Verdict v = verdict(d, LlmCallSpec.healthy().finishReason("max_tokens"));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).endsWith("finished with length");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void leavesAFailedCallThatWasNotStreamedToTheOtherPolicies(Dialect d) {
    assumeTrue(d.expressesStreaming());
    assertThat(verdict(d, LlmCallSpec.healthy().error("rate_limit_exceeded")).vote())
        .isEqualTo(Vote.NO_OPINION);
  }
}
