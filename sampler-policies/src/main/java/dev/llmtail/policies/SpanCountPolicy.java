package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;

/**
 * The {@code span_count} policy type (as the Collector's): keeps a trace with at least {@code
 * min_spans} and, if set, at most {@code max_spans} spans.
 */
final class SpanCountPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("span_count", Options.class, SpanCountPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param minSpans fewest spans that keep a trace
   * @param maxSpans most spans that keep a trace; default no limit
   */
  record Options(Integer minSpans, Integer maxSpans) {
    Options {
      if (minSpans == null || minSpans < 1) {
        throw new IllegalArgumentException(
            "min_spans: " + (minSpans == null ? "missing" : minSpans) + " (expected: >= 1)");
      }
      if (maxSpans != null && maxSpans < minSpans) {
        throw new IllegalArgumentException(
            "max_spans: "
                + maxSpans
                + " is below min_spans "
                + minSpans
                + " (expected: max_spans >= min_spans)");
      }
    }
  }

  private final int min;
  private final int max;
  private final String range;

  SpanCountPolicy(Options o) {
    this.min = o.minSpans();
    this.max = o.maxSpans() == null ? Integer.MAX_VALUE : o.maxSpans();
    this.range = o.maxSpans() == null ? ">= " + o.minSpans() : o.minSpans() + " .. " + o.maxSpans();
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    Evidence e = Evidence.ofTrace("span count", Integer.toString(trace.spanCount()), range);
    return trace.spanCount() >= min && trace.spanCount() <= max
        ? Verdict.keep("trace has " + trace.spanCount() + " spans, in " + range, e)
        : Verdict.noOpinion("trace has " + trace.spanCount() + " spans, not in " + range, e);
  }
}
