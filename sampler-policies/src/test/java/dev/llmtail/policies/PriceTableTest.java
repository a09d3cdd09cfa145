package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmtail.core.LlmCall;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriceTableTest {

  private static LlmCall call(LlmCallSpec spec) {
    return LlmViews.of(LlmTraces.chat(Dialect.OTEL_GENAI, spec)).llmCalls().get(0);
  }

  @Test
  void prefersTheCostASpanReportedThenPricesUsageThenGivesZero() {
    PriceTable prices = PriceTable.shipped();
    assertThat(prices.costOf(call(LlmCallSpec.healthy().cost(0.42)))).isEqualTo(0.42);
    assertThat(prices.costOf(call(LlmCallSpec.healthy().usage(1_000_000L, 0L))))
        .isCloseTo(2.50, within(1e-9));
    assertThat(prices.costOf(call(LlmCallSpec.healthy().models("acme-7b", "acme-7b")))).isZero();
  }

  @Test
  void reasoningTokensAreBilledOnceAtTheOutputPrice() {
    PriceTable prices = PriceTable.shipped();
    // OpenAI counts 800 reasoning tokens inside its 1000 output tokens: 1000 × $10/M.
    LlmCall openAi =
        call(
            LlmCallSpec.healthy()
                .usage(0L, 1_000L)
                .attribute("gen_ai.usage.reasoning.output_tokens", 800L));
    assertThat(prices.costOf(openAi)).isCloseTo(0.01, within(1e-9));
    // Gemini reports thinking apart from the answer: 200 answer + 800 thinking tokens billed.
    LlmCall gemini =
        call(
            LlmCallSpec.healthy()
                .provider("gcp.gemini")
                .models("gemini-2.5-pro", "gemini-2.5-pro")
                .usage(0L, 200L)
                .attribute("gen_ai.usage.reasoning.output_tokens", 800L));
    LlmCall geminiWithoutThinking =
        call(
            LlmCallSpec.healthy()
                .provider("gcp.gemini")
                .models("gemini-2.5-pro", "gemini-2.5-pro")
                .usage(0L, 1_000L));
    assertThat(prices.costOf(gemini))
        .isCloseTo(prices.costOf(geminiWithoutThinking), within(1e-12));
    assertThat(prices.costOf(gemini)).isPositive();
  }

  @Test
  void usageForAModelWithoutAPriceHasNoCostRatherThanZero() {
    PriceTable prices = PriceTable.shipped();
    assertThat(prices.priced(call(LlmCallSpec.healthy().models("acme-7b", "acme-7b")))).isEmpty();
    assertThat(
            prices.priced(
                call(LlmCallSpec.healthy().models("acme-7b", "acme-7b").usage(null, null))))
        .hasValue(0);
  }

  @Test
  void theConfiguredTableAddsEveryHighCostPolicysPriceFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("prices.json");
    Files.writeString(file, "{\"models\": {\"acme-7b\": {\"input\": 1e-6, \"output\": 2e-6}}}");
    PriceTable configured =
        PriceTable.configured(
            List.of(
                new RefusalPolicy.Options(null, null),
                new HighCostPolicy.Options(null, null, null, file.toString())));
    LlmCall acme = call(LlmCallSpec.healthy().models("acme-7b", "acme-7b").usage(1_000L, 1_000L));
    assertThat(configured.priced(acme)).hasValueCloseTo(0.003, within(1e-12));
    assertThat(PriceTable.configured(List.of()).priced(acme)).isEmpty();
  }
}
