package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import dev.llmtail.testing.PolicyContract;
import dev.llmtail.testing.TraceBuilder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProbabilisticPolicyTest extends PolicyContract<ProbabilisticPolicy.Options> {

  private final PolicyProvider<ProbabilisticPolicy.Options> provider = ProbabilisticPolicy.PROVIDER;

  @Override
  protected PolicyProvider<ProbabilisticPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected ProbabilisticPolicy.Options options() {
    return new ProbabilisticPolicy.Options(10.0);
  }

  @Override
  protected TraceView matchingTrace() {
    // Randomness 0xffffffffffffff: inside every sample.
    TraceBuilder t = TraceBuilder.trace("4bf92f3577b34da6a3ffffffffffffff");
    t.root("GET /");
    return t.view();
  }

  /**
   * Sampling looks at the trace id alone, so an id inside the sample is kept even with no spans.
   */
  @Override
  protected Vote voteOnEmptyTrace() {
    return Vote.KEEP;
  }

  private static TraceView traceWithId(String hex) {
    TraceBuilder t = TraceBuilder.trace(hex);
    t.root("GET /");
    return t.view();
  }

  @ParameterizedTest
  @ValueSource(doubles = {1, 5, 25, 50})
  void keepsTheConfiguredShareOfRandomTraceIds(double percent) {
    Policy policy = provider.create(new ProbabilisticPolicy.Options(percent));
    Random random = new Random(1234);
    int n = 100_000;
    int kept = 0;
    for (int i = 0; i < n; i++) {
      String hex = String.format("%016x%016x", random.nextLong(), random.nextLong() | 1);
      if (policy.evaluate(traceWithId(hex)).vote() == Vote.KEEP) {
        kept++;
      }
    }
    double p = percent / 100;
    double sigma = Math.sqrt(p * (1 - p) / n);
    assertThat((double) kept / n).isBetween(p - 5 * sigma, p + 5 * sigma);
  }

  @Test
  void everyReplicaMakesTheSameChoiceForATraceId() {
    Policy a = provider.create(new ProbabilisticPolicy.Options(30.0));
    Policy b = provider.create(new ProbabilisticPolicy.Options(30.0));
    Random random = new Random(99);
    for (int i = 0; i < 1_000; i++) {
      TraceView t =
          traceWithId(String.format("%016x%016x", random.nextLong(), random.nextLong() | 1));
      assertThat(a.evaluate(t).vote()).isEqualTo(b.evaluate(t).vote());
    }
  }

  @Test
  void followsTheOpenTelemetryThresholdOnTheLow56BitsOfTheTraceId() {
    Policy half = provider.create(new ProbabilisticPolicy.Options(50.0));
    // T = 2^55 = 0x80000000000000: randomness >= T is kept.
    assertThat(half.evaluate(traceWithId("ffffffffffffffff0080000000000000")).vote())
        .isEqualTo(Vote.KEEP);
    assertThat(half.evaluate(traceWithId("ffffffffffffffff007fffffffffffff")).vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void aKeptTraceCarriesItsSamplingProbability() {
    Verdict v = provider.create(new ProbabilisticPolicy.Options(5.0)).evaluate(matchingTrace());
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.keepProbability()).isEqualTo(0.05);
    assertThat(v.reason()).isEqualTo("trace id falls in the 5% sample");
  }

  @Test
  void hundredPercentKeepsEvenTheLowestRandomness() {
    Policy all = provider.create(new ProbabilisticPolicy.Options(100.0));
    assertThat(all.evaluate(traceWithId("ffffffffffffffff0000000000000001")).vote())
        .isEqualTo(Vote.KEEP);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, -1, 100.5})
  void refusesAPercentageOutsideZeroToHundred(double percent) {
    assertThatThrownBy(() -> new ProbabilisticPolicy.Options(percent))
        .hasMessageStartingWith("sampling_percentage: ")
        .hasMessageContaining("expected: 0 < value <= 100");
  }
}
