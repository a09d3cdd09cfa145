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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class RefusalPolicyTest extends PolicyContract<RefusalPolicy.Options> {

  private final PolicyProvider<RefusalPolicy.Options> provider = RefusalPolicy.PROVIDER;

  @Override
  protected PolicyProvider<RefusalPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected RefusalPolicy.Options options() {
    return new RefusalPolicy.Options(null, null);
  }

  @Override
  protected TraceView matchingTrace() {
    return LlmViews.of(
        LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy().finishReason("content_filter")));
  }

  private Verdict verdict(Dialect d, LlmCallSpec spec) {
    return provider.create(options()).evaluate(LlmViews.of(LlmTraces.chat(d, spec)));
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsAContentFilteredAnswerInEveryDialect(Dialect d) {
    Verdict v = verdict(d, LlmCallSpec.healthy().finishReason("content_filter"));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).contains("finished with content_filter");
    assertThat(v.evidence().get(0).spanId()).isNotEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"refusal", "SAFETY", "RECITATION", "content-filter", "PROHIBITED_CONTENT"})
  void keepsEveryProvidersRefusalReason(String reason) {
    assertThat(
            verdict(
                    Dialect.OTEL_GENAI,
                    LlmCallSpec.healthy().provider("anthropic").finishReason(reason))
                .vote())
        .isEqualTo(Vote.KEEP);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsAnOpenAiRefusalThatArrivedWithFinishReasonStop(Dialect d) {
    assumeTrue(d.expressesContent());
    assertThat(
            verdict(d, LlmCallSpec.healthy().refusalMessage("I can't help with that request."))
                .vote())
        .isEqualTo(Vote.KEEP);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void leavesANormalAnswerAlone(Dialect d) {
    Verdict v = verdict(d, LlmCallSpec.healthy());
    assertThat(v.vote()).isEqualTo(Vote.NO_OPINION);
    assertThat(v.reason()).isEqualTo("no refusal in 1 LLM calls");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void anAnswerThatMerelyMentionsHelpIsNotARefusal(Dialect d) {
    assumeTrue(d.expressesContent());
    assertThat(
            verdict(
                    d,
                    LlmCallSpec.healthy().output("I can help with that: your order ships Friday."))
                .vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aHelpfulAnswerThatStartsWithAnApologyIsNotARefusal(Dialect d) {
    assumeTrue(d.expressesContent());
    assertThat(
            verdict(
                    d,
                    LlmCallSpec.healthy()
                        .output(
                            "I'm sorry, but I can't find an order with that number. Could you"
                                + " check the confirmation email?"))
                .vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aJudgeQuotingRefusalPhrasingIsNoRefusal(Dialect d) {
    assumeTrue(d.expressesContent());
    TraceBuilder t =
        LlmViews.answeredThenGraded(
            d,
            "evaluate helpfulness",
            "openinference.span.kind",
            "EVALUATOR",
            "PASS. The assistant answered; it did not say \"I can't help with that\".");
    Verdict v = provider.create(options()).evaluate(LlmViews.of(t));
    assertThat(v.vote()).isEqualTo(Vote.NO_OPINION);
    assertThat(v.reason()).isEqualTo("no refusal in 2 LLM calls");
  }
}
