package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.Verdict;

/**
 * The {@code span_count} policy type (as the Collector's): keeps a trace with at least {@code
 * min_spans} and, if set, at most {@code max_spans} spans.
 */
public final class SpanCountPolicy implements PolicyProvider<SpanCountPolicy.Options> {

  /**
   * @param minSpans fewest spans that keep a trace
   * @param maxSpans most spans that keep a trace; default no limit
   */
  public record Options(Integer minSpans, Integer maxSpans) {
    public Options {
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

  @Override
  public String type() {
    return "span_count";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Policy create(Options o) {
    int max = o.maxSpans() == null ? Integer.MAX_VALUE : o.maxSpans();
    String range =
        o.maxSpans() == null ? ">= " + o.minSpans() : o.minSpans() + " .. " + o.maxSpans();
    return trace -> {
      Evidence e = Evidence.ofTrace("span count", Integer.toString(trace.spanCount()), range);
      return trace.spanCount() >= o.minSpans() && trace.spanCount() <= max
          ? Verdict.keep("trace has " + trace.spanCount() + " spans, in " + range, e)
          : Verdict.noOpinion("trace has " + trace.spanCount() + " spans, not in " + range, e);
    };
  }
}
