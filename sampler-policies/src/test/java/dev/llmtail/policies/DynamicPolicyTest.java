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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DynamicPolicyTest extends PolicyContract<DynamicPolicy.Options> {

  private final PolicyProvider<DynamicPolicy.Options> provider = DynamicPolicy.PROVIDER;

  @Override
  protected PolicyProvider<DynamicPolicy.Options> provider() {
    return provider;
  }

  @Override
  protected DynamicPolicy.Options options() {
    return new DynamicPolicy.Options(List.of("app.persona"), 10.0, Duration.ofSeconds(30));
  }

  @Override
  protected TraceView matchingTrace() {
    return trace("concise", 0);
  }

  /** First window: every key is new, so kept at rate 1. */
  @Override
  protected Vote voteOnEmptyTrace() {
    return Vote.KEEP;
  }

  /** A trace of {@code persona} that ends {@code atSecond} seconds into the test. */
  static TraceView trace(String persona, long atSecond) {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat")
        .startMillis(atSecond * 1000)
        .durationMillis(200)
        .attribute("app.persona", persona);
    return t.view();
  }

  @Test
  void aRareValueIsKeptFarMoreOftenThanACommonOneAndEachKeptTraceStandsForItsRate() {
    Policy p = provider.create(options());
    // Window 1: "thorough" takes 91 % of the traffic (the experiment arm nobody noticed).
    for (int i = 0; i < 910; i++) {
      p.evaluate(trace("thorough", 1));
    }
    for (int i = 0; i < 90; i++) {
      p.evaluate(trace(i % 2 == 0 ? "concise" : "conversational", 1));
    }
    // Window 2: the rates computed from window 1 apply.
    Map<String, Double> rates =
        DynamicPolicy.ratesFrom(
            Map.of(
                "app.persona=thorough",
                910L,
                "app.persona=concise",
                45L,
                "app.persona=conversational",
                45L),
            10.0);
    assertThat(rates.get("app.persona=thorough"))
        .isGreaterThan(rates.get("app.persona=concise") * 5);

    int keptThorough = 0;
    int keptConcise = 0;
    for (int i = 0; i < 910; i++) {
      Verdict v = p.evaluate(trace("thorough", 40));
      if (v.vote() == Vote.KEEP) {
        keptThorough++;
        assertThat(1 / v.keepProbability()).isEqualTo(rates.get("app.persona=thorough"));
      }
    }
    for (int i = 0; i < 45; i++) {
      if (p.evaluate(trace("concise", 40)).vote() == Vote.KEEP) {
        keptConcise++;
      }
    }
    assertThat(keptConcise).as("the rare arm stays visible").isGreaterThan(0);
    assertThat((double) keptConcise / 45).isGreaterThan((double) keptThorough / 910);
  }

  @Test
  void aValueUnseenInThePreviousWindowIsKept() {
    Policy p = provider.create(options());
    for (int i = 0; i < 500; i++) {
      p.evaluate(trace("thorough", 1));
    }
    assertThat(p.evaluate(trace("brand-new-arm", 40)).vote()).isEqualTo(Vote.KEEP);
  }

  @Test
  void aTraceWithoutTheKeyHasItsOwnKey() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("GET /health");
    assertThat(DynamicPolicy.keyOf(t.view(), List.of("app.persona")))
        .isEqualTo("app.persona=(none)");
  }

  @Test
  void refusesAGoalBelowOne() {
    assertThatThrownBy(() -> new DynamicPolicy.Options(List.of("k"), 0.5, null))
        .hasMessageStartingWith("goal_sample_rate: 0.5");
  }
}
