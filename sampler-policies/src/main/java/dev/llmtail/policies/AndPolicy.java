package dev.llmtail.policies;

import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.Verdict;
import java.util.List;

/** The {@code and} policy type: keeps a trace that every one of its sub-policies keeps. */
public final class AndPolicy implements PolicyProvider<AndPolicy.Options> {

  /**
   * @param policies sub-policies, each {@code {type: …, options…}} (a {@code name} is optional)
   */
  public record Options(List<NamedPolicy> policies) {
    public Options {
      policies = SubPolicies.require("and", policies);
    }
  }

  @Override
  public String type() {
    return "and";
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
          ? new Verdict(
              dev.llmtail.core.Vote.KEEP,
              "all sub-policies keep: " + r.summary(),
              List.of(r.evidence()),
              r.minKeepProbability())
          : Verdict.noOpinion("not all sub-policies keep: " + r.summary(), r.evidence());
    };
  }
}
