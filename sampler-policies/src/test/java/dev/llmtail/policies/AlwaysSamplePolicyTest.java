package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.PolicyLibrary;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Vote;
import dev.llmtail.testing.PolicyContract;
import dev.llmtail.testing.TraceBuilder;
import org.junit.jupiter.api.Test;

class AlwaysSamplePolicyTest extends PolicyContract<AlwaysSamplePolicy.Options> {

  @Override
  protected PolicyProvider<AlwaysSamplePolicy.Options> provider() {
    return AlwaysSamplePolicy.PROVIDER;
  }

  @Override
  protected AlwaysSamplePolicy.Options options() {
    return new AlwaysSamplePolicy.Options();
  }

  @Override
  protected TraceView matchingTrace() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("GET /");
    return t.view();
  }

  @Override
  protected Vote voteOnEmptyTrace() {
    return Vote.KEEP;
  }

  @Test
  void everyShippedPolicyTypeIsRegisteredForTheConfig() {
    assertThat(PolicyLibrary.discover().keySet())
        .containsExactlyInAnyOrder(
            "always_sample",
            "probabilistic",
            "status_code",
            "latency",
            "semantic-flag",
            "refusal",
            "retry-storm",
            "truncated-stream",
            "high-cost",
            "model-substitution",
            "cache-miss",
            "duplicate-request",
            "billing-gap",
            "token-drift",
            "string_attribute",
            "numeric_attribute",
            "boolean_attribute",
            "span_count",
            "trace_state",
            "rate_limiting",
            "bytes_limiting",
            "and",
            "not",
            "drop",
            "composite",
            "condition",
            "dynamic");
  }
}
