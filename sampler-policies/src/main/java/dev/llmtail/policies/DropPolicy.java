package dev.llmtail.policies;

import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.Verdict;
import java.util.List;

/**
 * The {@code drop} policy type (as the Collector's): drops a trace that every one of its
 * sub-policies matches — whatever any other policy says. Use it to discard health checks, synthetic
 * probes or load tests that would otherwise be kept.
 */
public final class DropPolicy implements PolicyProvider<DropPolicy.Options> {

  /**
   * @param policies sub-policies that must all match (keep) for the trace to be dropped
   */
  public record Options(List<NamedPolicy> policies) {
    public Options {
      policies = SubPolicies.require("drop", policies);
    }
  }

  @Override
  public String type() {
    return "drop";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Policy create(Options o) {
    return trace -> {
      SubPolicies.Results r = SubPolicies.evaluate(o.policies(), trace);
      return r.allKeep()
          ? Verdict.drop("every drop rule matched: " + r.summary(), r.evidence())
          : Verdict.noOpinion("not every drop rule matched: " + r.summary(), r.evidence());
    };
  }
}
