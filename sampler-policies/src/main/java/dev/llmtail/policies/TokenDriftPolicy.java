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
 * The {@code token-drift} policy type: keeps a trace in which the client's own estimate of a
 * prompt's tokens (an application attribute on the LLM span) is off from the billed input tokens by
 * at least {@code min_percent} — the estimate budgets and rate limits were planned on.
 */
final class TokenDriftPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("token-drift", Options.class, TokenDriftPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param estimateAttributes span attributes holding the client's input-token estimate
   * @param minPercent keep when |billed − estimate| / billed is at least this percent; default 25
   * @param minTokens ignore calls with fewer billed input tokens; default 100
   */
  record Options(List<String> estimateAttributes, Double minPercent, Long minTokens) {
    Options {
      estimateAttributes =
          estimateAttributes == null
              ? List.of(
                  "llmtail.estimated_input_tokens",
                  "app.estimated_input_tokens",
                  "gen_ai.client.estimated_input_tokens")
              : List.copyOf(estimateAttributes);
      minPercent = minPercent == null ? 25.0 : minPercent;
      minTokens = minTokens == null ? 100 : minTokens;
      if (!(minPercent > 0)) {
        throw new IllegalArgumentException("min_percent: " + minPercent + " (expected: > 0)");
      }
    }
  }

  private final Options options;
  private final String[] keys;
  private final CountedVerdicts withinEstimates;

  TokenDriftPolicy(Options options) {
    this.options = options;
    this.keys = options.estimateAttributes().toArray(String[]::new);
    double minPercent = options.minPercent();
    String keyList = String.join(" | ", keys);
    this.withinEstimates =
        CountedVerdicts.noOpinion(
            estimated ->
                Explanation.of(
                    estimated == 0
                        ? "no LLM call carries a token estimate"
                        : "estimates within " + minPercent + "% in " + estimated + " calls",
                    Evidence.ofTrace(
                        "calls with an estimate", Integer.toString(estimated), keyList)));
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    int judged = 0;
    for (int ci = 0; ci < trace.llmCalls().size(); ci++) {
      LlmCall call = trace.llmCalls().get(ci);
      if (call.inputTokens() == null || call.inputTokens() < options.minTokens()) {
        continue;
      }
      Long estimate =
          trace.span(call.spanId()).map(s -> SpanAttributes.of(s).whole(keys)).orElse(null);
      if (estimate == null) {
        continue;
      }
      judged++;
      double drift = 100.0 * Math.abs(call.inputTokens() - estimate) / call.inputTokens();
      if (drift >= options.minPercent()) {
        return Verdict.keep(
            String.format(
                Locale.ROOT,
                "token-drift: %s was estimated at %d input tokens, billed %d (%.0f%% off)",
                LlmEvidence.label(call),
                estimate,
                call.inputTokens(),
                drift),
            LlmEvidence.of(
                call,
                "estimate vs input_tokens",
                estimate + " vs " + call.inputTokens(),
                ">= " + options.minPercent() + "% off"));
      }
    }
    return withinEstimates.of(judged);
  }
}
