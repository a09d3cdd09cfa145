package dev.llmtail.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The policy compatibility kit: behaviour every policy type must have. A policy's test extends this
 * class and supplies the provider, options, and a trace the policy matches.
 */
public abstract class PolicyContract<O extends Record> {

  protected abstract PolicyProvider<O> provider();

  /** Valid options for the policy under test. */
  protected abstract O options();

  /** A trace the policy, with {@link #options()}, votes on (keep or drop). */
  protected abstract TraceView matchingTrace();

  /** The vote on a trace with no spans; most policies have no opinion. */
  protected Vote voteOnEmptyTrace() {
    return Vote.NO_OPINION;
  }

  private Policy policy() {
    return provider().create(options());
  }

  @Test
  void verdictOnMatchingTraceHasReasonAndEvidence() {
    Verdict v = policy().evaluate(matchingTrace());
    assertThat(v.vote()).isNotEqualTo(Vote.NO_OPINION);
    assertThat(v.reason()).isNotBlank();
    assertThat(v.evidence()).isNotEmpty();
    assertThat(v.evidence()).allSatisfy(e -> assertThat(e.observed()).isNotBlank());
  }

  @Test
  void isDeterministicForTheSameTrace() {
    TraceView trace = matchingTrace();
    Policy policy = policy();
    assertThat(policy.evaluate(trace)).isEqualTo(policy.evaluate(trace));
    assertThat(provider().create(options()).evaluate(trace)).isEqualTo(policy.evaluate(trace));
  }

  @Test
  void givesTheSameVerdictFromManyThreads() throws Exception {
    Policy policy = policy();
    TraceView trace = matchingTrace();
    Verdict expected = policy.evaluate(trace);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Verdict>> results =
          IntStream.range(0, 64).mapToObj(i -> pool.submit(() -> policy.evaluate(trace))).toList();
      for (Future<Verdict> r : results) {
        assertThat(r.get()).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void handlesATraceWithNoSpans() {
    TraceView empty = TraceView.of(matchingTrace().traceId(), List.of());
    Verdict v = policy().evaluate(empty);
    assertThat(v.vote()).isEqualTo(voteOnEmptyTrace());
    assertThat(v.reason()).isNotBlank();
  }

  @Test
  void typeNameIsLowerCaseWithUnderscoresOrHyphens() {
    assertThat(provider().type()).matches("[a-z][a-z0-9_-]*");
  }
}
