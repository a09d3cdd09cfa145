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
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HighCostPolicyTest extends PolicyContract<HighCostPolicy.Options> {

  private final PolicyProvider<HighCostPolicy.Options> provider = HighCostPolicy.PROVIDER;
  @TempDir Path dir;

  @Override
  protected PolicyProvider<HighCostPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected HighCostPolicy.Options options() {
    return new HighCostPolicy.Options(0.50, null, null, null);
  }

  @Override
  protected TraceView matchingTrace() {
    // 100k input + 20k output tokens of gpt-4o: $0.25 + $0.20; twice.
    LlmCallSpec big = LlmCallSpec.healthy().usage(100_000L, 20_000L);
    return LlmViews.of(
        LlmTraces.chat(
            Dialect.OTEL_GENAI, big, LlmCallSpec.healthy().usage(100_000L, 20_000L).at(3000, 900)));
  }

  private Verdict verdict(Dialect d, LlmCallSpec... calls) {
    return provider.create(options()).evaluate(LlmViews.of(LlmTraces.chat(d, calls)));
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void pricesUsageFromTheTableInEveryDialect(Dialect d) {
    Verdict v =
        verdict(
            d,
            LlmCallSpec.healthy().usage(100_000L, 20_000L),
            LlmCallSpec.healthy().usage(100_000L, 20_000L).at(3000, 900));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.evidence().get(0).observed()).isEqualTo("$0.90");
    assertThat(v.reason()).isEqualTo("high-cost: trace cost $0.90 >= $0.50");
  }

  @Test
  void billsCachedInputAtTheCachePrice() {
    // 100k input of which 80k cached: 20k × $2.50/M + 80k × $1.25/M = $0.05 + $0.10.
    Verdict v =
        verdict(Dialect.OTEL_GENAI, LlmCallSpec.healthy().usage(100_000L, 0L).cache(80_000L, null));
    assertThat(v.evidence().get(0).observed()).isEqualTo("$0.15");
  }

  @Test
  void prefersACostAlreadyOnTheSpan() {
    Verdict v = verdict(Dialect.OPENINFERENCE, LlmCallSpec.healthy().usage(10L, 10L).cost(1.75));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.evidence().get(1).attribute()).isEqualTo("cost on span");
  }

  @Test
  void matchesTheRequestedModelAndTheNameWithoutDateSuffix() {
    assertThat(
            verdict(
                    Dialect.OTEL_GENAI,
                    LlmCallSpec.healthy()
                        .models("claude-opus-4-1", "claude-opus-4-1-20250805")
                        .provider("anthropic")
                        .usage(20_000L, 4_000L))
                .vote())
        .as("20k × $15/M + 4k × $75/M = $0.60")
        .isEqualTo(Vote.KEEP);
    assertThat(
            verdict(
                    Dialect.SPRING_AI,
                    LlmCallSpec.healthy().models("gpt-4o", null).usage(200_000L, 1_000L))
                .vote())
        .as("priced by the requested model when the answering one is unknown")
        .isEqualTo(Vote.KEEP);
  }

  @Test
  void saysWhichModelsHadNoPrice() {
    Verdict v =
        verdict(Dialect.OTEL_GENAI, LlmCallSpec.healthy().models("acme-llm-7b", "acme-llm-7b"));
    assertThat(v.vote()).isEqualTo(Vote.NO_OPINION);
    assertThat(v.evidence())
        .anySatisfy(
            e -> {
              assertThat(e.attribute()).isEqualTo("models without a price");
              assertThat(e.observed()).isEqualTo("acme-llm-7b");
            });
  }

  @Test
  void aUserPriceFileExtendsAndOverridesTheShippedTable() throws Exception {
    Path prices =
        Files.writeString(
            dir.resolve("prices.json"),
            "{\"models\": {\"acme-llm-7b\": {\"input\": 0.00001, \"output\": 0.00002}}}");
    Policy p = provider.create(new HighCostPolicy.Options(0.01, null, null, prices.toString()));
    assertThat(
            p.evaluate(
                    LlmViews.of(
                        LlmTraces.chat(
                            Dialect.OTEL_GENAI,
                            LlmCallSpec.healthy().models("acme-llm-7b", "acme-llm-7b"))))
                .vote())
        .as("1200 × $0.00001 + 300 × $0.00002 = $0.018")
        .isEqualTo(Vote.KEEP);
    assertThatThrownBy(
            () ->
                provider.create(
                    new HighCostPolicy.Options(
                        0.5, null, null, dir.resolve("missing.json").toString())))
        .hasMessageStartingWith("price_file: cannot read");
  }

  @Test
  void topPercentKeepsTheMostExpensiveOfRecentTraces() {
    Policy p = provider.create(new HighCostPolicy.Options(100.0, 10.0, 100, null));
    int kept = 0;
    for (long tokens = 1_000; tokens <= 100_000; tokens += 1_000) {
      if (p.evaluate(
                  LlmViews.of(
                      LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy().usage(tokens, 0L))))
              .vote()
          == Vote.KEEP) {
        kept++;
      }
    }
    // Rising costs: each new trace is the most expensive so far, so all but the first nine rank in
    // the top 10 %.
    assertThat(kept).isEqualTo(91);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void leavesAnOrdinaryCallAlone(Dialect d) {
    assertThat(verdict(d, LlmCallSpec.healthy()).reason()).isEqualTo("high-cost: $0.0060 < $0.50");
  }
}
