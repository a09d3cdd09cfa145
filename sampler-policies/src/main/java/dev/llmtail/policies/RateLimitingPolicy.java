package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.Verdict;

/**
 * The {@code rate_limiting} policy type (as the Collector's): keeps traces while the spans kept by
 * this policy stay within {@code spans_per_second}. Time is the traces' own end time.
 */
public final class RateLimitingPolicy implements PolicyProvider<RateLimitingPolicy.Options> {

  /**
   * @param spansPerSecond spans this policy may keep per second
   */
  public record Options(Long spansPerSecond) {
    public Options {
      if (spansPerSecond == null || spansPerSecond < 1) {
        throw new IllegalArgumentException(
            "spans_per_second: "
                + (spansPerSecond == null ? "missing" : spansPerSecond)
                + " (expected: >= 1)");
      }
    }
  }

  @Override
  public String type() {
    return "rate_limiting";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Policy create(Options o) {
    SpanBudget budget = new SpanBudget(o.spansPerSecond(), o.spansPerSecond());
    String limit = "<= " + o.spansPerSecond() + " spans/s";
    return trace -> {
      Evidence e = Evidence.ofTrace("span count", Integer.toString(trace.spanCount()), limit);
      return budget.take(trace.endEpochNanos(), trace.spanCount())
          ? Verdict.keep("within the rate limit of " + o.spansPerSecond() + " spans/s", e)
          : Verdict.noOpinion("over the rate limit of " + o.spansPerSecond() + " spans/s", e);
    };
  }
}
