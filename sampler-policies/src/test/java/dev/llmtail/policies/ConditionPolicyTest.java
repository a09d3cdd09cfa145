package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ConditionPolicyTest extends PolicyContract<ConditionPolicy.Options> {

  private static final String STREAM_CUT_BY_LENGTH =
      "llm_calls.exists(c, c.finish_reasons.exists(r, r == \"length\") && c.streaming)";

  private final PolicyProvider<ConditionPolicy.Options> provider = ConditionPolicy.PROVIDER;

  @Override
  protected PolicyProvider<ConditionPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected ConditionPolicy.Options options() {
    return new ConditionPolicy.Options(STREAM_CUT_BY_LENGTH);
  }

  @Override
  protected TraceView matchingTrace() {
    return LlmViews.of(
        LlmTraces.chat(
            Dialect.OTEL_GENAI, LlmCallSpec.healthy().streaming().finishReason("length")));
  }

  private Verdict eval(String expression, TraceBuilder t) {
    return provider.create(new ConditionPolicy.Options(expression)).evaluate(LlmViews.of(t));
  }

  @ParameterizedTest
  @EnumSource(
      value = Dialect.class,
      names = {"OTEL_GENAI", "OPENINFERENCE", "TRACELOOP_LEGACY", "VERCEL_AI_SDK"})
  void seesTheNormalisedLlmCallsOfEveryDialect(Dialect d) {
    assertThat(
            eval(
                    STREAM_CUT_BY_LENGTH,
                    LlmTraces.chat(d, LlmCallSpec.healthy().streaming().finishReason("max_tokens")))
                .vote())
        .isEqualTo(Vote.KEEP);
    assertThat(
            eval(STREAM_CUT_BY_LENGTH, LlmTraces.chat(d, LlmCallSpec.healthy().streaming())).vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void seesSpansTheirAttributesResourceAndTheTrace() {
    TraceBuilder t = LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy());
    assertThat(
            eval("spans.exists(s, s.root && s.attributes[\"http.request.method\"] == \"POST\")", t)
                .vote())
        .isEqualTo(Vote.KEEP);
    assertThat(eval("trace.service == \"chat-api\" && trace.span_count == 2", t).vote())
        .isEqualTo(Vote.KEEP);
    assertThat(eval("llm_calls.all(c, has(c.input_tokens) && c.input_tokens > 1000)", t).vote())
        .isEqualTo(Vote.KEEP);
    assertThat(eval("llm_calls.exists(c, has(c.cost_usd))", t).vote())
        .as("unknown facts are absent")
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void anExpressionThatDoesNotCompileNamesThePositionAndTheProblem() {
    assertThatThrownBy(
            () -> provider.create(new ConditionPolicy.Options("llm_callz.exists(c, c.streaming)")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("expression: ")
        .hasMessageContaining("expression:1:1")
        .hasMessageContaining("undeclared reference to 'llm_callz'")
        .hasMessageNotContaining("in container");
  }

  @Test
  void anExpressionThatIsNotABooleanIsRefusedWhenTheConfigLoads() {
    assertThatThrownBy(() -> provider.create(new ConditionPolicy.Options("trace.span_count + 1")))
        .hasMessageStartingWith("expression: ");
  }

  @Test
  void anExpressionThatFailsOnATraceHasNoOpinionAndSaysWhy() {
    Policy p =
        provider.create(new ConditionPolicy.Options("llm_calls.exists(c, c.cost_usd > 1.0)"));
    Verdict v = p.evaluate(LlmViews.of(LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy())));
    assertThat(v.vote()).isEqualTo(Vote.NO_OPINION);
    assertThat(v.reason()).startsWith("condition could not be evaluated on this trace");
  }
}
