package dev.llmtail.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CountedVerdictsTest {

  private final AtomicInteger worded = new AtomicInteger();
  private final CountedVerdicts verdicts =
      CountedVerdicts.noOpinion(
          n -> {
            worded.incrementAndGet();
            return Explanation.of(
                n + " calls", Evidence.ofTrace("calls", Integer.toString(n), "none"));
          });

  @Test
  void sharesOneVerdictPerSmallCountAndWordsItOnceWhenRead() {
    Verdict three = verdicts.of(3);
    assertThat(verdicts.of(3)).isSameAs(three);
    assertThat(worded).hasValue(0);
    assertThat(three.vote()).isEqualTo(Vote.NO_OPINION);
    assertThat(three.reason()).isEqualTo("3 calls");
    assertThat(verdicts.of(3).evidence()).containsExactly(Evidence.ofTrace("calls", "3", "none"));
    assertThat(worded).hasValue(1);
  }

  @Test
  void givesALargeCountAVerdictOfItsOwnWithTheSameWords() {
    int large = CountedVerdicts.SHARED + 7;
    Verdict v = verdicts.of(large);
    assertThat(verdicts.of(large)).isNotSameAs(v).isEqualTo(v);
    assertThat(v.reason()).isEqualTo(large + " calls");
    assertThat(verdicts.of(-1).reason()).isEqualTo("-1 calls");
    assertThat(verdicts.of(CountedVerdicts.SHARED - 1).reason())
        .isEqualTo((CountedVerdicts.SHARED - 1) + " calls");
  }
}
