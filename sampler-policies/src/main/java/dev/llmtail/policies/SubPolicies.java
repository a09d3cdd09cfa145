package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import java.util.ArrayList;
import java.util.List;

/** Evaluating the sub-policies of {@code and}, {@code not}, {@code drop} and {@code composite}. */
final class SubPolicies {

  /** Every sub-policy's verdict, in order. */
  record Results(List<NamedPolicy> policies, List<Verdict> verdicts) {

    boolean allKeep() {
      return !verdicts.isEmpty() && verdicts.stream().allMatch(v -> v.vote() == Vote.KEEP);
    }

    /**
     * Samplers share the trace id's randomness: a trace all of them keep has the smallest chance.
     */
    double minKeepProbability() {
      return verdicts.stream().mapToDouble(Verdict::keepProbability).min().orElse(1);
    }

    String summary() {
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < verdicts.size(); i++) {
        parts.add(policies.get(i).name() + ": " + verdicts.get(i).reason());
      }
      return String.join("; ", parts);
    }

    Evidence[] evidence() {
      List<Evidence> all = new ArrayList<>();
      verdicts.forEach(v -> all.addAll(v.evidence()));
      return all.toArray(Evidence[]::new);
    }
  }

  private SubPolicies() {}

  static Results evaluate(List<NamedPolicy> policies, TraceView trace) {
    List<Verdict> verdicts = new ArrayList<>(policies.size());
    for (NamedPolicy p : policies) {
      verdicts.add(p.policy().evaluate(trace));
    }
    return new Results(policies, verdicts);
  }

  static List<NamedPolicy> require(String type, List<NamedPolicy> policies) {
    if (policies == null || policies.isEmpty()) {
      throw new IllegalArgumentException(
          "policies: missing (expected: the sub-policies of this "
              + type
              + ", e.g. [{type: latency, threshold: 5s}])");
    }
    return List.copyOf(policies);
  }
}
