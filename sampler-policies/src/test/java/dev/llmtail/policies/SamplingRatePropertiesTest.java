package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Policy;
import dev.llmtail.core.Vote;
import dev.llmtail.testing.TraceBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The samplers keep the share of traces they are configured for, within statistical bounds. */
class SamplingRatePropertiesTest {

  private static double fiveSigma(double n, double p) {
    return 5 * Math.sqrt(n * p * (1 - p)) + 1;
  }

  @Property(tries = 15)
  void probabilisticKeepsItsPercentageOfRandomTraceIds(
      @ForAll @DoubleRange(min = 0.5, max = 90) double percent) {
    Policy p = ProbabilisticPolicy.PROVIDER.create(new ProbabilisticPolicy.Options(percent));
    int n = 20_000;
    int kept = 0;
    for (int i = 0; i < n; i++) {
      TraceBuilder t = TraceBuilder.trace();
      t.root("GET /");
      if (p.evaluate(t.view()).vote() == Vote.KEEP) {
        kept++;
      }
    }
    double expected = n * percent / 100;
    assertThat((double) kept)
        .isBetween(expected - fiveSigma(n, percent / 100), expected + fiveSigma(n, percent / 100));
  }

  @Property(tries = 8)
  void dynamicKeepsWhatItsRatesPromiseAndNoMoreThanTheGoalAllows(
      @ForAll @Size(min = 2, max = 5) List<@IntRange(min = 5, max = 1200) Integer> countsPerKey,
      @ForAll @DoubleRange(min = 2, max = 20) double goal) {
    Policy p =
        DynamicPolicy.PROVIDER.create(
            new DynamicPolicy.Options(List.of("app.persona"), goal, Duration.ofSeconds(30)));
    Map<String, Long> counts = new HashMap<>();
    for (int k = 0; k < countsPerKey.size(); k++) {
      counts.put("app.persona=v" + k, (long) countsPerKey.get(k));
      for (int i = 0; i < countsPerKey.get(k); i++) {
        p.evaluate(DynamicPolicyTest.trace("v" + k, 1));
      }
    }
    Map<String, Double> rates = DynamicPolicy.ratesFrom(counts, goal);
    double expected = 0;
    double variance = 0;
    int kept = 0;
    long total = 0;
    for (int k = 0; k < countsPerKey.size(); k++) {
      double keep = 1 / rates.get("app.persona=v" + k);
      int n = countsPerKey.get(k);
      expected += n * keep;
      variance += n * keep * (1 - keep);
      total += n;
      for (int i = 0; i < n; i++) {
        if (p.evaluate(DynamicPolicyTest.trace("v" + k, 40)).vote() == Vote.KEEP) {
          kept++;
        }
      }
      assertThat(n * keep)
          .as("every value expects at least one kept trace")
          .isGreaterThanOrEqualTo(Math.min(1, n));
    }
    assertThat((double) kept)
        .isBetween(expected - 5 * Math.sqrt(variance) - 1, expected + 5 * Math.sqrt(variance) + 1);
    assertThat(expected)
        .as("about one in goal overall")
        .isLessThanOrEqualTo(total / goal + countsPerKey.size());
  }
}
