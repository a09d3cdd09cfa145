package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmtail.core.Policy;
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

class DuplicateRequestPolicyTest extends PolicyContract<DuplicateRequestPolicy.Options> {

  private final PolicyProvider<DuplicateRequestPolicy.Options> provider =
      DuplicateRequestPolicy.PROVIDER;

  @Override
  protected PolicyProvider<DuplicateRequestPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected DuplicateRequestPolicy.Options options() {
    return new DuplicateRequestPolicy.Options(null, null);
  }

  /** A stream cut by an idle proxy (billed, no finish), then the same prompt sent again. */
  private static LlmCallSpec[] cutThenResent() {
    String prompt = "Summarise this 40-page contract for me.";
    return new LlmCallSpec[] {
      LlmCallSpec.healthy()
          .streaming()
          .prompt(prompt)
          .finishReason(null)
          .usage(12_000L, 800L)
          .at(0, 60_000),
      LlmCallSpec.healthy().streaming().prompt(prompt).usage(12_000L, 1_900L).at(61_000, 30_000)
    };
  }

  @Override
  protected TraceView matchingTrace() {
    return LlmViews.of(LlmTraces.chat(Dialect.OTEL_GENAI, cutThenResent()));
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsAPromptBilledTwiceAfterTheFirstStreamWasCut(Dialect d) {
    assumeTrue(d.expressesContent());
    Verdict v =
        provider.create(options()).evaluate(LlmViews.of(LlmTraces.chat(d, cutThenResent())));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.reason()).endsWith("which was cut off");
  }

  @Test
  void keepsAResendInALaterTraceOfTheSameConversation() {
    Policy p = provider.create(options());
    LlmCallSpec[] calls = cutThenResent();
    assertThat(
            p.evaluate(
                    LlmViews.of(LlmTraces.chat(Dialect.OTEL_GENAI, calls[0].conversation("c-9"))))
                .vote())
        .isEqualTo(Vote.NO_OPINION);
    Verdict second =
        p.evaluate(LlmViews.of(LlmTraces.chat(Dialect.OTEL_GENAI, calls[1].conversation("c-9"))));
    assertThat(second.vote()).isEqualTo(Vote.KEEP);
    assertThat(second.reason()).contains("in conversation c-9");
  }

  @Test
  void remembersConversationsInTraceTimeSoThatReplayAgreesWithLiveTraffic() {
    // Replayed in a moment, the calls are minutes apart in trace time: the cut call of minute 0
    // is forgotten by minute 5 (window 2m), and the cut call of minute 5 is the one minute 5.5
    // repeated. A cache on wall time would still hold minute 0 and miss the repeat.
    Policy p = provider.create(options());
    LlmCallSpec cut = cutThenResent()[0].conversation("c-7");
    LlmCallSpec resent = cutThenResent()[1].conversation("c-7");
    long minute = 60_000;
    for (long at : new long[] {0, 5 * minute}) {
      assertThat(
              p.evaluate(LlmViews.of(LlmTraces.chat(Dialect.OTEL_GENAI, cut.at(at, 1_000)))).vote())
          .isEqualTo(Vote.NO_OPINION);
    }
    Verdict repeat =
        p.evaluate(
            LlmViews.of(LlmTraces.chat(Dialect.OTEL_GENAI, resent.at(5 * minute + 30_000, 1_000))));
    assertThat(repeat.vote()).isEqualTo(Vote.KEEP);
    assertThat(repeat.reason()).contains("in conversation c-7");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void leavesTheSamePromptAskedTwiceAndAnsweredTwiceAlone(Dialect d) {
    LlmCallSpec a = LlmCallSpec.healthy().prompt("What's the weather?");
    LlmCallSpec b = LlmCallSpec.healthy().prompt("What's the weather?").at(5000, 900);
    assertThat(provider.create(options()).evaluate(LlmViews.of(LlmTraces.chat(d, a, b))).vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void withoutRequireFirstCutAnyRepeatCounts() {
    LlmCallSpec a = LlmCallSpec.healthy().prompt("What's the weather?");
    LlmCallSpec b = LlmCallSpec.healthy().prompt("What's the weather?").at(5000, 900);
    Policy p = provider.create(new DuplicateRequestPolicy.Options(false, null));
    assertThat(p.evaluate(LlmViews.of(LlmTraces.chat(Dialect.OTEL_GENAI, a, b))).vote())
        .isEqualTo(Vote.KEEP);
  }
}
