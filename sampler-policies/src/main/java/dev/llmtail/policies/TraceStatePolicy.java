package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import java.util.List;
import java.util.Set;

/**
 * The {@code trace_state} policy type (as the Collector's): keeps a trace in which any span's W3C
 * {@code tracestate} has {@code key} with one of {@code values}.
 */
final class TraceStatePolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("trace_state", Options.class, TraceStatePolicy::new);

  /**
   * @param key tracestate list member key, e.g. {@code vendor}
   * @param values accepted values
   */
  record Options(String key, List<String> values) {
    Options {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("key: missing (expected: a tracestate key)");
      }
      if (values == null || values.isEmpty()) {
        throw new IllegalArgumentException("values: missing (expected: a list of values)");
      }
      values = List.copyOf(values);
    }
  }

  private final Options o;
  private final Set<String> values;

  TraceStatePolicy(Options options) {
    this.o = options;
    this.values = Set.copyOf(options.values());
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    for (SpanView span : trace.spans()) {
      for (String member : span.proto().getTraceState().split(",", -1)) {
        int eq = member.indexOf('=');
        if (eq > 0
            && member.substring(0, eq).trim().equals(o.key())
            && values.contains(member.substring(eq + 1).trim())) {
          return Verdict.keep(
              "span " + span + " has tracestate " + member.trim(),
              Evidence.ofSpan(
                  span,
                  "tracestate " + o.key(),
                  member.substring(eq + 1).trim(),
                  "one of " + o.values()));
        }
      }
    }
    return Verdict.noOpinion(
        "no span has tracestate " + o.key() + " in " + o.values(),
        Evidence.ofTrace("tracestate " + o.key(), "no match", "one of " + o.values()));
  }
}
