package dev.llmtail.core;

import static dev.llmtail.core.TestSpans.span;
import static dev.llmtail.core.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DecisionEngineTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final TraceView trace = TestSpans.view(traceId(1), span(traceId(1), 1, 0, true, false));

  private static NamedPolicy policy(String name, Verdict verdict) {
    return new NamedPolicy(name, "test", t -> verdict);
  }

  private Decision decide(NamedPolicy... policies) {
    return new DecisionEngine(List.of(policies), Clock.systemUTC(), meters)
        .decide(trace, DecisionTrigger.COMPLETE);
  }

  @Test
  void anyKeepKeepsTheTrace() {
    Decision d = decide(policy("a", Verdict.noOpinion("no")), policy("b", Verdict.keep("yes")));
    assertThat(d.kept()).isTrue();
    assertThat(d.reason()).isEqualTo("kept by b");
    assertThat(d.keptBy()).containsExactly("b");
    assertThat(d.adjustedCount()).isEqualTo(1.0);
  }

  @Test
  void anExplicitDropBeatsEveryKeep() {
    Decision d =
        decide(
            policy("errors", Verdict.keep("error")),
            policy("healthchecks", Verdict.drop("health check")),
            policy("slow", Verdict.keep("slow")));
    assertThat(d.kept()).isFalse();
    assertThat(d.reason()).isEqualTo("dropped by healthchecks");
  }

  @Test
  void aTraceNoPolicyKeepsIsDroppedAndSaysSo() {
    Decision d = decide(policy("a", Verdict.noOpinion("no")), policy("b", Verdict.noOpinion("no")));
    assertThat(d.kept()).isFalse();
    assertThat(d.reason()).isEqualTo("no policy matched");
    assertThat(d.adjustedCount()).isZero();
  }

  @Test
  void everyPolicyIsEvaluatedAndRecordedInOrder() {
    Decision d =
        decide(
            policy("a", Verdict.keep("yes")),
            policy("b", Verdict.noOpinion("no")),
            policy("c", Verdict.keep("yes")));
    assertThat(d.verdicts()).extracting(PolicyVerdict::policy).containsExactly("a", "b", "c");
    assertThat(d.reason()).isEqualTo("kept by a, c");
  }

  @Test
  void aTraceKeptOnlyBySamplingStandsForOneOverTheLargestProbability() {
    Decision d =
        decide(
            policy("tenth", Verdict.keepSampled(0.1, "in 10%")),
            policy("quarter", Verdict.keepSampled(0.25, "in 25%")));
    assertThat(d.adjustedCount()).isEqualTo(4.0);
  }

  @Test
  void aTraceAlsoKeptByARuleCountsOnce() {
    Decision d =
        decide(
            policy("baseline", Verdict.keepSampled(0.05, "in 5%")),
            policy("errors", Verdict.keep("error")));
    assertThat(d.adjustedCount()).isEqualTo(1.0);
  }

  @Test
  void aPolicyThatThrowsHasNoOpinionAndIsCounted() {
    NamedPolicy broken =
        new NamedPolicy(
            "broken",
            "test",
            t -> {
              throw new IllegalStateException("boom");
            });
    Decision d = decide(broken, policy("ok", Verdict.keep("yes")));
    assertThat(d.kept()).isTrue();
    assertThat(d.verdicts().get(0).verdict().vote()).isEqualTo(Vote.NO_OPINION);
    assertThat(d.verdicts().get(0).verdict().reason()).contains("policy failed", "boom");
    assertThat(meters.counter("llmtail.policy.failures", "policy", "broken").count()).isEqualTo(1);
  }

  @Test
  void evaluationOrderNeverChangesTheOutcome() {
    List<Verdict> pool =
        List.of(
            Verdict.keep("k"),
            Verdict.drop("d"),
            Verdict.noOpinion("n"),
            Verdict.keepSampled(0.5, "s"),
            Verdict.keepSampled(0.2, "s2"));
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      List<NamedPolicy> policies = new ArrayList<>();
      int n = 1 + random.nextInt(5);
      for (int i = 0; i < n; i++) {
        policies.add(policy("p" + i, pool.get(random.nextInt(pool.size()))));
      }
      Decision first =
          new DecisionEngine(policies, Clock.systemUTC(), meters)
              .decide(trace, DecisionTrigger.COMPLETE);
      Collections.shuffle(policies, random);
      Decision shuffled =
          new DecisionEngine(policies, Clock.systemUTC(), meters)
              .decide(trace, DecisionTrigger.COMPLETE);
      assertThat(shuffled.kept()).isEqualTo(first.kept());
      assertThat(shuffled.adjustedCount()).isEqualTo(first.adjustedCount());
    }
  }

  @Test
  void rejectsTwoPoliciesWithTheSameName() {
    assertThatThrownBy(() -> decide(policy("a", Verdict.keep("x")), policy("a", Verdict.keep("y"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a' is used twice");
  }

  @Test
  void recordsOneSharedVerdictUnderEachPolicyThatGaveIt() {
    Verdict shared = Verdict.noOpinion("no LLM calls");
    DecisionEngine engine =
        new DecisionEngine(
            List.of(policy("a", shared), new NamedPolicy("b", "other", t -> shared)),
            Clock.systemUTC(),
            meters);
    Decision first = engine.decide(trace, DecisionTrigger.COMPLETE);
    Decision second = engine.decide(trace, DecisionTrigger.COMPLETE);
    assertThat(second.verdicts())
        .isEqualTo(first.verdicts())
        .containsExactly(
            new PolicyVerdict("a", "test", shared), new PolicyVerdict("b", "other", shared));
  }
}
