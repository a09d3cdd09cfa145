package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SemanticFlagPolicyTest extends PolicyContract<SemanticFlagPolicy.Options> {

  private final PolicyProvider<SemanticFlagPolicy.Options> provider = SemanticFlagPolicy.PROVIDER;

  @Override
  protected PolicyProvider<SemanticFlagPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected SemanticFlagPolicy.Options options() {
    return new SemanticFlagPolicy.Options(null, 0.3, null, null);
  }

  @Override
  protected TraceView matchingTrace() {
    TraceBuilder t = LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy());
    t.child("evaluate")
        .event(
            "gen_ai.evaluation.result",
            "gen_ai.evaluation.name",
            "faithfulness",
            "gen_ai.evaluation.score.label",
            "hallucinated");
    return LlmViews.of(t);
  }

  private Verdict verdict(TraceBuilder t) {
    return provider.create(options()).evaluate(LlmViews.of(t));
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsADestructiveAnswerThatLookedLikeRoutineSuccess(Dialect d) {
    assumeTrue(d.expressesContent());
    // 200 OK, fast, finish reason stop — and it told the operator to wipe the disk.
    Verdict v =
        verdict(
            LlmTraces.chat(
                d,
                LlmCallSpec.healthy()
                    .output("To free disk space, run rm -rf / on the database host.")));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).contains("output matched \"rm -rf\"");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void leavesOrdinarySupportTextAboutCancellingAndRefundsAlone(Dialect d) {
    assumeTrue(d.expressesContent());
    Verdict v =
        verdict(
            LlmTraces.chat(
                d,
                LlmCallSpec.healthy()
                    .output(
                        "To cancel your subscription, open Settings and choose Cancel. Deleting"
                            + " your account removes saved addresses; refunds take 5 days.")));
    assertThat(v.vote()).isEqualTo(Vote.NO_OPINION);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aGuardrailClassifierNamingTheCommandsItCheckedFlagsNothing(Dialect d) {
    assumeTrue(d.expressesContent());
    TraceBuilder t =
        LlmViews.answeredThenGraded(
            d,
            "apply_guardrail output-commands",
            "gen_ai.operation.name",
            "apply_guardrail",
            "SAFE: no destructive command such as rm -rf or DROP TABLE.");
    assertThat(verdict(t).vote()).isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void keepsATraceAnEvaluatorFailed() {
    Verdict v = provider.create(options()).evaluate(matchingTrace());
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason())
        .isEqualTo("semantic-flag: evaluation faithfulness labelled hallucinated");
  }

  @Test
  void keepsALowScoreAndNegativeUserFeedback() {
    TraceBuilder scored = LlmTraces.chat(Dialect.OPENINFERENCE, LlmCallSpec.healthy());
    scored
        .child("eval")
        .attribute("openinference.span.kind", "EVALUATOR")
        .attribute("evaluations.0.evaluation.name", "relevance")
        .attribute("evaluations.0.evaluation.score", 0.1);
    assertThat(verdict(scored).vote()).isEqualTo(Vote.KEEP);

    TraceBuilder feedback = LlmTraces.chat(Dialect.OPENINFERENCE, LlmCallSpec.healthy());
    feedback
        .child("feedback")
        .attribute("openinference.span.kind", "EVALUATOR")
        .attribute("annotations.0.annotation.name", "user_feedback")
        .attribute("annotations.0.annotation.label", "thumbs_down")
        .attribute("annotations.0.annotation.annotator_kind", "HUMAN");
    assertThat(verdict(feedback).reason()).contains("feedback user_feedback labelled thumbs_down");
  }

  @Test
  void keepsAGuardrailBlock() {
    TraceBuilder t = LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy());
    t.child("apply_guardrail").attribute("gen_ai.guardrail.result.type", "blocked");
    assertThat(verdict(t).vote()).isEqualTo(Vote.KEEP);
  }

  @Test
  void readsThumbsDownHowEverItIsSpelled() {
    TraceBuilder feedback = LlmTraces.chat(Dialect.OPENINFERENCE, LlmCallSpec.healthy());
    feedback
        .child("feedback")
        .attribute("openinference.span.kind", "EVALUATOR")
        .attribute("annotations.0.annotation.name", "user_feedback")
        .attribute("annotations.0.annotation.label", "Thumbs-Down")
        .attribute("annotations.0.annotation.annotator_kind", "HUMAN");
    assertThat(verdict(feedback).vote()).isEqualTo(Vote.KEEP);
  }

  @Test
  void keepsAGuardrailRiskScoreAboveTheThresholdAndLeavesALowOneAlone() {
    TraceBuilder risky = LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy());
    risky
        .child("apply_guardrail")
        .attribute("gen_ai.guardrail.result.type", "warn")
        .attribute("gen_ai.guardrail.risk.score", 0.92);
    assertThat(verdict(risky).reason()).contains("risk score 0.92");

    TraceBuilder passed = LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy());
    passed
        .child("apply_guardrail")
        .attribute("gen_ai.guardrail.result.type", "pass")
        .attribute("gen_ai.guardrail.risk.score", 0.04);
    assertThat(verdict(passed).vote()).isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void leavesANegativeSentimentAboutTheUsersMessageAlone() {
    TraceBuilder t = LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy());
    t.child("classify")
        .event(
            "gen_ai.evaluation.result",
            "gen_ai.evaluation.name",
            "user_sentiment",
            "gen_ai.evaluation.score.label",
            "negative");
    assertThat(verdict(t).vote()).isEqualTo(Vote.NO_OPINION);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void leavesAPassingEvaluationAndAnOrdinaryAnswerAlone(Dialect d) {
    TraceBuilder t = LlmTraces.chat(d, LlmCallSpec.healthy());
    t.child("evaluate")
        .event(
            "gen_ai.evaluation.result",
            "gen_ai.evaluation.name",
            "relevance",
            "gen_ai.evaluation.score.label",
            "pass",
            "gen_ai.evaluation.score.value",
            "0.92");
    Verdict v = verdict(t);
    assertThat(v.vote()).isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void refusesAPatternThatIsNotARegex() {
    assertThatThrownBy(() -> new SemanticFlagPolicy.Options(null, null, null, List.of("(unclosed")))
        .hasMessageStartingWith("patterns: '(unclosed' is not a regular expression");
  }
}
