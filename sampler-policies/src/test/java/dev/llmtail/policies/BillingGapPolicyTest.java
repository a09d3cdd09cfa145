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
import org.junit.jupiter.params.provider.EnumSource;

class BillingGapPolicyTest extends PolicyContract<BillingGapPolicy.Options> {

  private final PolicyProvider<BillingGapPolicy.Options> provider = BillingGapPolicy.PROVIDER;

  @Override
  protected PolicyProvider<BillingGapPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected BillingGapPolicy.Options options() {
    return new BillingGapPolicy.Options(null, null, null);
  }

  /** The user pressed stop after 120 tokens; the provider billed all 900. */
  private static LlmCallSpec stoppedEarly() {
    return LlmCallSpec.healthy()
        .streaming()
        .finishReason(null)
        .usage(1_000L, 900L)
        .attribute("app.delivered_output_tokens", 120L);
  }

  @Override
  protected TraceView matchingTrace() {
    return LlmViews.of(LlmTraces.chat(Dialect.OTEL_GENAI, stoppedEarly()));
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsOutputBilledAfterTheUserPressedStop(Dialect d) {
    Verdict v = provider.create(options()).evaluate(LlmViews.of(LlmTraces.chat(d, stoppedEarly())));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).endsWith("billed 900 output tokens, delivered 120");
    assertThat(v.evidence().get(0).observed()).isEqualTo("780 (87%)");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void leavesAStreamDeliveredInFullAlone(Dialect d) {
    LlmCallSpec full =
        LlmCallSpec.healthy()
            .streaming()
            .usage(1_000L, 900L)
            .attribute("app.delivered_output_tokens", 900L);
    assertThat(provider.create(options()).evaluate(LlmViews.of(LlmTraces.chat(d, full))).vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void readsAConfiguredAttributeAndIgnoresCallsWithoutOne() {
    BillingGapPolicy.Options mine =
        new BillingGapPolicy.Options(List.of("acme.tokens_shown"), 10L, 50.0);
    LlmCallSpec call =
        LlmCallSpec.healthy().usage(1_000L, 100L).attribute("acme.tokens_shown", 85L);
    assertThat(
            provider
                .create(mine)
                .evaluate(LlmViews.of(LlmTraces.chat(Dialect.OTEL_GENAI, call)))
                .vote())
        .isEqualTo(Vote.KEEP);
    Verdict none =
        provider
            .create(options())
            .evaluate(LlmViews.of(LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy())));
    assertThat(none.reason()).isEqualTo("no LLM call reports delivered tokens");
  }
}
