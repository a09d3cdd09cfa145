package dev.llmtail.policies;

import dev.llmtail.core.CountedVerdicts;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.Explanation;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.policies.genai.SpanAttributes;
import java.util.List;
import java.util.Locale;

/**
 * The {@code billing-gap} policy type: keeps a trace in which the provider billed more output
 * tokens than the client says it delivered — a stream the user stopped, billed to the end. The
 * delivered count is an application attribute on the LLM span (no convention names it yet; the
 * defaults are llmtail's suggestions, configure yours).
 */
final class BillingGapPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("billing-gap", Options.class, BillingGapPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param deliveredAttributes span attributes holding the output tokens the client delivered
   * @param minTokens keep when billed − delivered is at least this; default 50
   * @param minPercent or when the gap is at least this percent of the billed tokens; default 20
   */
  record Options(List<String> deliveredAttributes, Long minTokens, Double minPercent) {
    Options {
      deliveredAttributes =
          deliveredAttributes == null
              ? List.of(
                  "llmtail.delivered_output_tokens",
                  "app.delivered_output_tokens",
                  "gen_ai.client.delivered_output_tokens")
              : List.copyOf(deliveredAttributes);
      minTokens = minTokens == null ? 50 : minTokens;
      minPercent = minPercent == null ? 20.0 : minPercent;
      if (deliveredAttributes.isEmpty()) {
        throw new IllegalArgumentException(
            "delivered_attributes: empty (expected: at least one attribute name)");
      }
    }
  }

  private final Options options;
  private final String[] keys;
  private final CountedVerdicts billedAsDelivered;

  BillingGapPolicy(Options options) {
    this.options = options;
    this.keys = options.deliveredAttributes().toArray(String[]::new);
    String keyList = String.join(" | ", keys);
    this.billedAsDelivered =
        CountedVerdicts.noOpinion(
            delivered ->
                Explanation.of(
                    delivered == 0
                        ? "no LLM call reports delivered tokens"
                        : "billed matched delivered in " + delivered + " calls",
                    Evidence.ofTrace(
                        "calls with a delivered count", Integer.toString(delivered), keyList)));
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    int judged = 0;
    for (int ci = 0; ci < trace.llmCalls().size(); ci++) {
      LlmCall call = trace.llmCalls().get(ci);
      if (call.outputTokens() == null) {
        continue;
      }
      Long delivered =
          trace.span(call.spanId()).map(s -> SpanAttributes.of(s).whole(keys)).orElse(null);
      if (delivered == null) {
        continue;
      }
      judged++;
      long gap = call.outputTokens() - delivered;
      double percent = call.outputTokens() == 0 ? 0 : 100.0 * gap / call.outputTokens();
      if (gap > 0 && (gap >= options.minTokens() || percent >= options.minPercent())) {
        return Verdict.keep(
            "billing-gap: "
                + LlmEvidence.label(call)
                + " billed "
                + call.outputTokens()
                + " output tokens, delivered "
                + delivered,
            LlmEvidence.of(
                call,
                "billed − delivered output tokens",
                gap + String.format(Locale.ROOT, " (%.0f%%)", percent),
                ">= " + options.minTokens() + " or >= " + options.minPercent() + "%"));
      }
    }
    return billedAsDelivered.of(judged);
  }
}
