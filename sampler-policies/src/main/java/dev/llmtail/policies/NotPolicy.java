package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;

/**
 * The {@code not} policy type: keeps a trace its sub-policy does not keep, and has no opinion on
 * the traces it keeps.
 */
final class NotPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("not", Options.class, NotPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param policy the sub-policy to invert, {@code {type: …, options…}}
   */
  record Options(NamedPolicy policy) {
    Options {
      if (policy == null) {
        throw new IllegalArgumentException(
            "policy: missing (expected: the sub-policy to invert, e.g. {type: status_code, status_codes: [OK]})");
      }
    }
  }

  private final NamedPolicy inner;

  NotPolicy(Options o) {
    this.inner = o.policy();
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    Verdict v = inner.policy().evaluate(trace);
    Evidence[] evidence = v.evidence().toArray(Evidence[]::new);
    return v.vote() == Vote.KEEP
        ? Verdict.noOpinion("not: " + inner.name() + " keeps it (" + v.reason() + ")", evidence)
        : Verdict.keep("not: " + inner.name() + " does not keep it (" + v.reason() + ")", evidence);
  }
}
