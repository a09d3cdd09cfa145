package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code composite} policy type (as the Collector's): shares {@code max_total_spans_per_second}
 * between sub-policies. Sub-policies are tried in order; a trace is kept by the first one that
 * keeps it and still has room in its share this second. Shares come from {@code rate_allocation}
 * (percent per sub-policy name); sub-policies without an allocation split what is left equally.
 */
final class CompositePolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("composite", Options.class, CompositePolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param maxTotalSpansPerSecond spans the composite may keep per second
   * @param policies sub-policies in evaluation order, each with a {@code name}
   * @param rateAllocation percent of the total per sub-policy name
   */
  record Options(
      Long maxTotalSpansPerSecond, List<NamedPolicy> policies, List<Allocation> rateAllocation) {
    Options {
      SpanBudget.requirePositive("max_total_spans_per_second", maxTotalSpansPerSecond);
      policies = SubPolicies.require("composite", policies);
      rateAllocation = rateAllocation == null ? List.of() : List.copyOf(rateAllocation);
      Set<String> names = new HashSet<>();
      policies.forEach(p -> names.add(p.name()));
      double total = 0;
      for (Allocation a : rateAllocation) {
        if (!names.contains(a.policy())) {
          throw new IllegalArgumentException(
              "rate_allocation: '"
                  + a.policy()
                  + "' is not a sub-policy (expected one of: "
                  + names
                  + ")");
        }
        total += a.percent();
      }
      if (total > 100) {
        throw new IllegalArgumentException(
            "rate_allocation: percentages add up to " + total + " (expected: <= 100)");
      }
    }
  }

  /**
   * One sub-policy's share of the composite's rate.
   *
   * @param policy sub-policy name
   * @param percent its share of {@code max_total_spans_per_second}
   */
  record Allocation(String policy, Double percent) {
    Allocation {
      if (policy == null || policy.isBlank()) {
        throw new IllegalArgumentException("policy: missing (expected: a sub-policy name)");
      }
      if (percent == null || !(percent > 0 && percent <= 100)) {
        throw new IllegalArgumentException(
            "percent: " + percent + " (expected: 0 < percent <= 100)");
      }
    }
  }

  private final List<NamedPolicy> policies;
  private final List<SpanBudget> budgets = new ArrayList<>();
  private final List<String> limits = new ArrayList<>();

  CompositePolicy(Options o) {
    this.policies = o.policies();
    Map<String, Double> share = new HashMap<>();
    o.rateAllocation().forEach(a -> share.put(a.policy(), a.percent()));
    double allocated = share.values().stream().mapToDouble(Double::doubleValue).sum();
    long unallocated = o.policies().stream().filter(p -> !share.containsKey(p.name())).count();
    for (NamedPolicy p : o.policies()) {
      double percent =
          share.getOrDefault(p.name(), unallocated == 0 ? 0 : (100 - allocated) / unallocated);
      double perSecond = o.maxTotalSpansPerSecond() * percent / 100;
      budgets.add(new SpanBudget(perSecond, perSecond));
      limits.add(
          String.format(
              Locale.ROOT,
              "<= %.0f spans/s (%.0f%% of %d)",
              perSecond,
              percent,
              o.maxTotalSpansPerSecond()));
    }
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    List<Evidence> evidence = new ArrayList<>();
    for (int i = 0; i < policies.size(); i++) {
      NamedPolicy p = policies.get(i);
      Verdict v = p.policy().evaluate(trace);
      evidence.addAll(v.evidence());
      if (v.vote() == Vote.KEEP) {
        if (budgets.get(i).take(trace.endEpochNanos(), trace.spanCount())) {
          evidence.add(
              Evidence.ofTrace(p.name() + " share", trace.spanCount() + " spans", limits.get(i)));
          return new Verdict(
              Vote.KEEP,
              "composite: kept by " + p.name() + " (" + v.reason() + ")",
              evidence,
              v.keepProbability());
        }
        evidence.add(Evidence.ofTrace(p.name() + " share", "spent", limits.get(i)));
      }
    }
    return Verdict.noOpinion(
        "composite: no sub-policy with room kept it", evidence.toArray(Evidence[]::new));
  }
}
