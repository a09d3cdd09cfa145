package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceClockTest {

  private static final long T0 = 1_767_225_600_000_000_000L;
  private static final long SECOND = 1_000_000_000L;

  @Test
  void followsTheLatestTraceAndIgnoresOnesSlightlyOutOfOrder() {
    TraceClock clock = new TraceClock();
    assertThat(clock.read()).isZero();
    assertThat(clock.advance(T0)).isEqualTo(T0);
    assertThat(clock.advance(T0 + 5 * SECOND)).isEqualTo(T0 + 5 * SECOND);
    assertThat(clock.advance(T0 + 2 * SECOND)).isEqualTo(T0 + 5 * SECOND);
    assertThat(clock.read()).isEqualTo(T0 + 5 * SECOND);
  }

  @Test
  void goesBackWhenTrafficEndsFarBehindAClockThatRanAhead() {
    TraceClock clock = new TraceClock();
    clock.advance(T0);
    clock.advance(T0 + 3600 * SECOND);
    assertThat(clock.advance(T0 + SECOND)).isEqualTo(T0 + SECOND);
    assertThat(clock.advance(T0 + 2 * SECOND)).isEqualTo(T0 + 2 * SECOND);
  }
}
