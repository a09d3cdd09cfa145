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

class CacheMissPolicyTest extends PolicyContract<CacheMissPolicy.Options> {

  private final PolicyProvider<CacheMissPolicy.Options> provider = CacheMissPolicy.PROVIDER;

  @Override
  protected PolicyProvider<CacheMissPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected CacheMissPolicy.Options options() {
    return new CacheMissPolicy.Options(null, null, null);
  }

  @Override
  protected TraceView matchingTrace() {
    return LlmViews.of(LlmTraces.chat(Dialect.OTEL_GENAI, coldLongTurn()));
  }

  private static LlmCallSpec coldLongTurn() {
    return LlmCallSpec.healthy()
        .usage(30_000L, 400L)
        .cache(0L, null)
        .afterTurns("Here is the plan.", "Done.");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void keepsALongMidConversationPromptThatReadNothingFromTheCache(Dialect d) {
    assumeTrue(d.expressesContent() && d.expressesCache());
    Verdict v = provider.create(options()).evaluate(LlmViews.of(LlmTraces.chat(d, coldLongTurn())));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.evidence().get(0).observed()).isEqualTo("0/30000");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aConversationsSecondTraceIsALaterTurnEvenWithoutCapturedContent(Dialect d) {
    assumeTrue(d.expressesConversation() && d.expressesCache());
    Policy p = provider.create(options());
    LlmCallSpec first =
        LlmCallSpec.healthy().usage(30_000L, 400L).cache(0L, 30_000L).conversation("c-7");
    assertThat(p.evaluate(LlmViews.of(LlmTraces.chat(d, first))).vote())
        .as("first turn, no cache yet")
        .isEqualTo(Vote.NO_OPINION);
    LlmCallSpec second =
        LlmCallSpec.healthy().usage(31_000L, 400L).cache(0L, null).conversation("c-7");
    assertThat(p.evaluate(LlmViews.of(LlmTraces.chat(d, second))).vote()).isEqualTo(Vote.KEEP);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void leavesAConversationsFirstTurnWithNoCacheAlone(Dialect d) {
    assertThat(
            provider
                .create(options())
                .evaluate(
                    LlmViews.of(
                        LlmTraces.chat(
                            d,
                            LlmCallSpec.healthy()
                                .usage(30_000L, 400L)
                                .cache(0L, 30_000L)
                                .conversation("c-new"))))
                .vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void leavesAWarmCacheAndShortPromptsAlone() {
    Policy p = provider.create(options());
    assertThat(
            p.evaluate(
                    LlmViews.of(
                        LlmTraces.chat(
                            Dialect.OTEL_GENAI,
                            LlmCallSpec.healthy()
                                .usage(30_000L, 400L)
                                .cache(28_000L, null)
                                .afterTurns("ok"))))
                .vote())
        .isEqualTo(Vote.NO_OPINION);
    assertThat(
            p.evaluate(
                    LlmViews.of(
                        LlmTraces.chat(
                            Dialect.OTEL_GENAI,
                            LlmCallSpec.healthy()
                                .usage(900L, 40L)
                                .cache(0L, null)
                                .afterTurns("ok"))))
                .vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void doesNotJudgeACallThatDoesNotReportCacheReads() {
    Verdict v =
        provider
            .create(options())
            .evaluate(
                LlmViews.of(
                    LlmTraces.chat(
                        Dialect.OTEL_GENAI,
                        LlmCallSpec.healthy().usage(30_000L, 400L).afterTurns("ok"))));
    assertThat(v.vote()).isEqualTo(Vote.NO_OPINION);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aShortFirstTurnStillStartsTheConversation(Dialect d) {
    assumeTrue(d.expressesConversation() && d.expressesCache());
    Policy p = provider.create(options());
    LlmCallSpec shortFirst =
        LlmCallSpec.healthy().usage(900L, 40L).cache(0L, 900L).conversation("c-8");
    assertThat(p.evaluate(LlmViews.of(LlmTraces.chat(d, shortFirst))).vote())
        .as("too short to judge")
        .isEqualTo(Vote.NO_OPINION);
    LlmCallSpec longSecond =
        LlmCallSpec.healthy().usage(31_000L, 400L).cache(0L, null).conversation("c-8");
    assertThat(p.evaluate(LlmViews.of(LlmTraces.chat(d, longSecond))).vote()).isEqualTo(Vote.KEEP);
  }
}
