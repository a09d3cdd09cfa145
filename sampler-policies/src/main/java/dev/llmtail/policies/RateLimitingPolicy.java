package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;

/**
 * The {@code rate_limiting} policy type (as the Collector's): keeps traces while the spans kept by
 * this policy stay within {@code spans_per_second}. Time is the traces' own end time.
 */
final class RateLimitingPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("rate_limiting", Options.class, RateLimitingPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param spansPerSecond spans this policy may keep per second
   */
  record Options(Long spansPerSecond) {
    Options {
      SpanBudget.requirePositive("spans_per_second", spansPerSecond);
    }
  }

  private final SpanBudget budget;
  private final String limit;
  private final String rate;

  RateLimitingPolicy(Options o) {
    this.budget = new SpanBudget(o.spansPerSecond(), o.spansPerSecond());
    this.limit = "<= " + o.spansPerSecond() + " spans/s";
    this.rate = "rate limit of " + o.spansPerSecond() + " spans/s";
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    Evidence e = Evidence.ofTrace("span count", Integer.toString(trace.spanCount()), limit);
    return budget.keepWithin(trace.endEpochNanos(), trace.spanCount(), rate, e);
  }
}
