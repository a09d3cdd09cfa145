package dev.llmtail.policies;

import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import java.util.List;

/** The {@code and} policy type: keeps a trace that every one of its sub-policies keeps. */
final class AndPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("and", Options.class, AndPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param policies sub-policies, each {@code {type: …, options…}} (a {@code name} is optional)
   */
  record Options(List<NamedPolicy> policies) {
    Options {
      policies = SubPolicies.require("and", policies);
    }
  }

  private final List<NamedPolicy> policies;

  AndPolicy(Options o) {
    this.policies = o.policies();
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    SubPolicies.Results r = SubPolicies.evaluate(policies, trace);
    return r.allKeep()
        ? new Verdict(
            Vote.KEEP,
            "all sub-policies keep: " + r.summary(),
            List.of(r.evidence()),
            r.minKeepProbability())
        : Verdict.noOpinion("not all sub-policies keep: " + r.summary(), r.evidence());
  }
}
