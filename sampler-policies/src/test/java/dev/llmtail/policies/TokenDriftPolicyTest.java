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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TokenDriftPolicyTest extends PolicyContract<TokenDriftPolicy.Options> {

  private final PolicyProvider<TokenDriftPolicy.Options> provider = TokenDriftPolicy.PROVIDER;

  @Override
  protected PolicyProvider<TokenDriftPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected TokenDriftPolicy.Options options() {
    return new TokenDriftPolicy.Options(null, null, null);
  }

  @Override
  protected TraceView matchingTrace() {
    return LlmViews.of(
        LlmTraces.chat(
            Dialect.OTEL_GENAI,
            LlmCallSpec.healthy()
                .usage(12_000L, 300L)
                .attribute("app.estimated_input_tokens", 8_000L)));
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsACallBilledFarFromTheClientsEstimate(Dialect d) {
    Verdict v =
        provider
            .create(options())
            .evaluate(
                LlmViews.of(
                    LlmTraces.chat(
                        d,
                        LlmCallSpec.healthy()
                            .usage(12_000L, 300L)
                            .attribute("app.estimated_input_tokens", 8_000L))));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).endsWith("estimated at 8000 input tokens, billed 12000 (33% off)");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void leavesAnEstimateWithinToleranceAlone(Dialect d) {
    assertThat(
            provider
                .create(options())
                .evaluate(
                    LlmViews.of(
                        LlmTraces.chat(
                            d,
                            LlmCallSpec.healthy()
                                .usage(12_000L, 300L)
                                .attribute("app.estimated_input_tokens", 11_000L))))
                .vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void ignoresTinyCallsWhereAFewTokensAreABigPercentage() {
    assertThat(
            provider
                .create(options())
                .evaluate(
                    LlmViews.of(
                        LlmTraces.chat(
                            Dialect.OTEL_GENAI,
                            LlmCallSpec.healthy()
                                .usage(40L, 10L)
                                .attribute("app.estimated_input_tokens", 20L))))
                .vote())
        .isEqualTo(Vote.NO_OPINION);
  }
}
