package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpanBudgetTest {

  private static final long T0 = 1_767_225_600_000_000_000L;
  private static final long SECOND = 1_000_000_000L;

  @Test
  void oneTraceWithAClockAnHourAheadDoesNotStarveTheBudget() {
    SpanBudget budget = new SpanBudget(10, 10);
    assertThat(budget.take(T0, 10)).isTrue();
    assertThat(budget.take(T0 + 3600 * SECOND, 10)).isTrue(); // one span from a clock 1 h fast
    // The skewed trace spent the second it arrived in; the next second already refills.
    assertThat(budget.take(T0 + SECOND, 10)).isFalse();
    for (int i = 2; i <= 6; i++) {
      assertThat(budget.take(T0 + i * SECOND, 10)).as("second %d", i).isTrue();
    }
  }

  @Test
  void tracesDecidedSlightlyOutOfOrderDoNotRefillTwice() {
    SpanBudget budget = new SpanBudget(10, 10);
    assertThat(budget.take(T0, 10)).isTrue();
    assertThat(budget.take(T0 + 2 * SECOND, 10)).isTrue();
    assertThat(budget.take(T0 + SECOND, 10)).isFalse();
    assertThat(budget.take(T0 + 2 * SECOND, 10)).isFalse();
    assertThat(budget.take(T0 + 3 * SECOND, 10)).isTrue();
  }
}
