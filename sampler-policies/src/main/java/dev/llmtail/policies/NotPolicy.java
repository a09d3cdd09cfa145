package dev.llmtail.policies;

import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;

/**
 * The {@code not} policy type: keeps a trace its sub-policy does not keep, and has no opinion on
 * the traces it keeps.
 */
public final class NotPolicy implements PolicyProvider<NotPolicy.Options> {

  /**
   * @param policy the sub-policy to invert, {@code {type: …, options…}}
   */
  public record Options(NamedPolicy policy) {
    public Options {
      if (policy == null) {
        throw new IllegalArgumentException(
            "policy: missing (expected: the sub-policy to invert, e.g. {type: status_code, status_codes: [OK]})");
      }
    }
  }

  @Override
  public String type() {
    return "not";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Policy create(Options o) {
    return trace -> {
      Verdict inner = o.policy().policy().evaluate(trace);
      return inner.vote() == Vote.KEEP
          ? Verdict.noOpinion(
              "not: " + o.policy().name() + " keeps it (" + inner.reason() + ")",
              inner.evidence().toArray(dev.llmtail.core.Evidence[]::new))
          : Verdict.keep(
              "not: " + o.policy().name() + " does not keep it (" + inner.reason() + ")",
              inner.evidence().toArray(dev.llmtail.core.Evidence[]::new));
    };
  }
}
