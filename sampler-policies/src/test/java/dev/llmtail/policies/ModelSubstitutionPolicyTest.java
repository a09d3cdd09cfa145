package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.PolicyContract;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ModelSubstitutionPolicyTest extends PolicyContract<ModelSubstitutionPolicy.Options> {

  private final PolicyProvider<ModelSubstitutionPolicy.Options> provider =
      ModelSubstitutionPolicy.PROVIDER;

  @Override
  protected PolicyProvider<ModelSubstitutionPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected ModelSubstitutionPolicy.Options options() {
    return new ModelSubstitutionPolicy.Options(null, null);
  }

  @Override
  protected TraceView matchingTrace() {
    return LlmViews.of(
        LlmTraces.chat(
            Dialect.OTEL_GENAI, LlmCallSpec.healthy().models("auto", "claude-3-5-haiku-20241022")));
  }

  private Verdict verdict(Dialect d, LlmCallSpec spec, ModelSubstitutionPolicy.Options o) {
    return provider.create(o).evaluate(LlmViews.of(LlmTraces.chat(d, spec)));
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsAPremiumRequestAnsweredByACheaperModel(Dialect d) {
    Verdict v =
        verdict(
            d,
            LlmCallSpec.healthy()
                .provider("anthropic")
                .models("claude-sonnet-4-5", "claude-3-5-haiku-20241022"),
            options());
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason())
        .contains("asked for claude-sonnet-4-5 but claude-3-5-haiku-20241022 answered");
  }

  @ParameterizedTest
  @CsvSource({
    "gpt-4o, gpt-4o-2024-08-06",
    "claude-3-5-sonnet-latest, claude-3-5-sonnet-20241022",
    "gpt-4, gpt-4-0613",
    "openai/gpt-4o-mini, gpt-4o-mini-2024-07-18",
    "gemini-1.5-pro, gemini-1.5-pro-002",
    "claude-sonnet-4-0, claude-sonnet-4-20250514",
    "prod-support-eastus, gpt-4o-2024-08-06"
  })
  void aDateOrVersionSuffixAnAliasOrADeploymentNameIsNotASubstitution(
      String requested, String answered) {
    assertThat(
            verdict(
                    Dialect.OTEL_GENAI,
                    LlmCallSpec.healthy().models(requested, answered),
                    options())
                .vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void withAnAllowListAnyOtherAnsweringModelKeeps() {
    ModelSubstitutionPolicy.Options allow =
        new ModelSubstitutionPolicy.Options(List.of("gpt-4o", "claude-sonnet-4-5"), false);
    assertThat(
            verdict(
                    Dialect.OTEL_GENAI,
                    LlmCallSpec.healthy().models("auto", "gpt-4o-2024-08-06"),
                    allow)
                .vote())
        .isEqualTo(Vote.NO_OPINION);
    assertThat(
            verdict(Dialect.OTEL_GENAI, LlmCallSpec.healthy().models("auto", "gpt-4o-mini"), allow)
                .vote())
        .isEqualTo(Vote.KEEP);
  }

  @Test
  void aCallThatDoesNotReportItsAnsweringModelIsNotJudged() {
    Verdict v = verdict(Dialect.SPRING_AI, LlmCallSpec.healthy().models("gpt-4o", null), options());
    assertThat(v.vote()).isEqualTo(Vote.NO_OPINION);
    assertThat(v.reason()).isEqualTo("no LLM call reported its answering model");
  }
}
