package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;

/** The {@code always_sample} policy type: keeps every trace (useful while testing a pipeline). */
public final class AlwaysSamplePolicy implements PolicyProvider<AlwaysSamplePolicy.Options> {

  /** {@code always_sample} takes no options. */
  public record Options() {}

  @Override
  public String type() {
    return "always_sample";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Policy create(Options options) {
    return AlwaysSamplePolicy::evaluate;
  }

  private static Verdict evaluate(TraceView trace) {
    return Verdict.keep(
        "always_sample keeps every trace",
        Evidence.ofTrace("span count", Integer.toString(trace.spanCount()), "any"));
  }
}
