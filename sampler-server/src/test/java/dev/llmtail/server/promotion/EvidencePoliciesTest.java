package dev.llmtail.server.promotion;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Verdict;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which policies may turn a drop into a keep when evidence arrives late. */
class EvidencePoliciesTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final AtomicInteger budgetSpent = new AtomicInteger();

  private EvidencePolicies policies(NamedPolicy... policies) {
    DecisionEngine engine = new DecisionEngine(List.of(policies), Clock.systemUTC(), meters);
    return new EvidencePolicies(() -> engine, meters);
  }

  private NamedPolicy always(String name, String type) {
    return new NamedPolicy(
        name,
        type,
        trace -> {
          budgetSpent.incrementAndGet();
          return Verdict.keep("would keep");
        });
  }

  @Test
  void baselinesSamplingByKeyAndBudgetsDoNotVoteAgain() {
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat");
    EvidencePolicies evidence =
        policies(
            always("baseline", "probabilistic"),
            always("by-key", "trace_state"),
            always("budget", "rate_limiting"),
            always("bytes", "bytes_limiting"),
            always("dynamic", "dynamic"),
            always("everything", "always_sample"),
            always("composite", "composite"));
    assertThat(evidence.decide(trace.view(), Instant.EPOCH)).isEmpty();
    assertThat(budgetSpent).as("not even evaluated: a budget is not spent twice").hasValue(0);
  }

  @Test
  void aRuleThatKeepsOnEvidencePromotesUnlessAnotherDrops() {
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat");
    Optional<Decision> kept =
        policies(always("flagged", "semantic-flag")).decide(trace.view(), Instant.EPOCH);
    assertThat(kept).isPresent();
    assertThat(kept.get().reason()).isEqualTo("kept by flagged on late evidence");
    assertThat(kept.get().trigger()).isEqualTo(DecisionTrigger.PROMOTED);
    assertThat(kept.get().adjustedCount()).isEqualTo(1);
    assertThat(kept.get().decidedAt()).isEqualTo(Instant.EPOCH);

    NamedPolicy drop = new NamedPolicy("health", "drop", t -> Verdict.drop("health check"));
    assertThat(
            policies(always("flagged", "semantic-flag"), drop).decide(trace.view(), Instant.EPOCH))
        .isEmpty();
  }
}
