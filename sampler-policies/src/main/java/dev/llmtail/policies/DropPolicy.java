package dev.llmtail.policies;

import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import java.util.List;

/**
 * The {@code drop} policy type (as the Collector's): drops a trace that every one of its
 * sub-policies matches — whatever any other policy says. Use it to discard health checks, synthetic
 * probes or load tests that would otherwise be kept.
 */
final class DropPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("drop", Options.class, DropPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param policies sub-policies that must all match (keep) for the trace to be dropped
   */
  record Options(List<NamedPolicy> policies) {
    Options {
      policies = SubPolicies.require("drop", policies);
    }
  }

  private final List<NamedPolicy> policies;

  DropPolicy(Options o) {
    this.policies = o.policies();
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    SubPolicies.Results r = SubPolicies.evaluate(policies, trace);
    return r.allKeep()
        ? Verdict.drop("every drop rule matched: " + r.summary(), r.evidence())
        : Verdict.noOpinion("not every drop rule matched: " + r.summary(), r.evidence());
  }
}
