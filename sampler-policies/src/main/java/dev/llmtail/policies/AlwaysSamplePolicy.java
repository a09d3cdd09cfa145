package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;

/** The {@code always_sample} policy type: keeps every trace (useful while testing a pipeline). */
final class AlwaysSamplePolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("always_sample", Options.class, AlwaysSamplePolicy::new);

  /** {@code always_sample} takes no options. */
  record Options() {}

  AlwaysSamplePolicy(Options options) {}

  @Override
  public Verdict evaluate(TraceView trace) {
    return Verdict.keep(
        "always_sample keeps every trace",
        Evidence.ofTrace("span count", Integer.toString(trace.spanCount()), "any"));
  }
}
