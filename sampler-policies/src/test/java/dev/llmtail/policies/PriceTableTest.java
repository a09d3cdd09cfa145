package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmtail.core.LlmCall;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import org.junit.jupiter.api.Test;

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
}
