package dev.llmtail.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class VerdictTest {

  @Test
  void putsItsWordsTogetherOnlyWhenTheyAreRead() {
    AtomicInteger built = new AtomicInteger();
    Verdict v =
        Verdict.noOpinion(
            () -> {
              built.incrementAndGet();
              return Explanation.of(
                  "no refusal in 2 LLM calls", Evidence.ofTrace("llm calls", "2", "refusal"));
            });

    assertThat(v.vote()).isEqualTo(Vote.NO_OPINION);
    assertThat(built).hasValue(0);
    assertThat(v.reason()).isEqualTo("no refusal in 2 LLM calls");
    assertThat(v.evidence()).extracting(Evidence::observed).containsExactly("2");
    assertThat(v.reason()).isEqualTo("no refusal in 2 LLM calls");
    assertThat(built).hasValue(1);
  }

  @Test
  void aLazyVerdictEqualsTheEagerOneWithTheSameWords() {
    Evidence e = Evidence.ofTrace("trace duration", "1.2s", ">= 30s");
    Verdict eager = Verdict.noOpinion("trace took 1.2s, not in >= 30s", e);
    Verdict lazy = Verdict.noOpinion(() -> Explanation.of("trace took 1.2s, not in >= 30s", e));

    assertThat(lazy).isEqualTo(eager).hasSameHashCodeAs(eager);
    assertThat(lazy).isNotEqualTo(Verdict.keep(() -> Explanation.of(eager.reason(), e)));
    assertThat(lazy.toString()).contains("trace took 1.2s, not in >= 30s");
  }

  @Test
  void refusesAKeepProbabilityOutsideZeroToOneAtOnce() {
    assertThatThrownBy(() -> Verdict.keepSampled(1.5, () -> Explanation.of("sampled")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keepProbability: 1.5");
  }
}
