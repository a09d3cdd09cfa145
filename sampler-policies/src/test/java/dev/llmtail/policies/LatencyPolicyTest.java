package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import dev.llmtail.testing.PolicyContract;
import dev.llmtail.testing.TraceBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LatencyPolicyTest extends PolicyContract<LatencyPolicy.Options> {

  private final PolicyProvider<LatencyPolicy.Options> provider = LatencyPolicy.PROVIDER;

  @Override
  protected PolicyProvider<LatencyPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected LatencyPolicy.Options options() {
    return new LatencyPolicy.Options(Duration.ofSeconds(30), null);
  }

  @Override
  protected TraceView matchingTrace() {
    return traceLasting(45_000);
  }

  private static TraceView traceLasting(long millis) {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /agent").durationMillis(millis / 2);
    t.child("tool call").startMillis(millis / 4).durationMillis(millis - millis / 4);
    return t.view();
  }

  @Test
  void measuresFromTheEarliestStartToTheLatestEndOfAnySpan() {
    Verdict v = provider.create(options()).evaluate(traceLasting(45_000));
    assertThat(v.vote()).isEqualTo(Vote.KEEP);
    assertThat(v.evidence().get(0).observed()).isEqualTo("45s");
    assertThat(v.evidence().get(0).threshold()).isEqualTo(">= 30s");
  }

  @Test
  void hasNoOpinionOnAFastTrace() {
    Verdict v = provider.create(options()).evaluate(traceLasting(1_400));
    assertThat(v.vote()).isEqualTo(Vote.NO_OPINION);
    assertThat(v.reason()).isEqualTo("trace took 1.4s, not in >= 30s");
  }

  @Test
  void anUpperThresholdLeavesOutTracesAboveIt() {
    LatencyPolicy.Options band =
        new LatencyPolicy.Options(Duration.ofSeconds(1), Duration.ofSeconds(10));
    assertThat(provider.create(band).evaluate(traceLasting(5_000)).vote()).isEqualTo(Vote.KEEP);
    assertThat(provider.create(band).evaluate(traceLasting(20_000)).vote())
        .isEqualTo(Vote.NO_OPINION);
  }

  @Test
  void refusesThresholdsThatCannotMatch() {
    assertThatThrownBy(() -> new LatencyPolicy.Options(null, null))
        .hasMessageStartingWith("threshold: missing");
    assertThatThrownBy(
            () -> new LatencyPolicy.Options(Duration.ofSeconds(10), Duration.ofSeconds(5)))
        .hasMessage(
            "upper_threshold: 5s is below threshold 10s (expected: upper_threshold >= threshold)");
  }
}
