package dev.llmtail.policies;

import dev.llmtail.core.CountedVerdicts;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.Explanation;
import dev.llmtail.core.FinishReasons;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code refusal} policy type: keeps a trace in which any LLM call refused — a refusal finish
 * reason ({@code content_filter}, Anthropic {@code refusal}, Gemini {@code SAFETY}…, including an
 * OpenAI {@code refusal} message that arrived with finish reason {@code stop}), or refusal phrasing
 * in the captured output of a call that answered the user (not of an LLM judge or classifier called
 * by an evaluator or guardrail, whose output quotes what it looked for).
 */
final class RefusalPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("refusal", Options.class, RefusalPolicy::new);

  static final List<String> DEFAULT_PHRASES =
      List.of(
          "i can't help with",
          "i cannot help with",
          "i can't assist with",
          "i cannot assist with",
          "i am unable to help",
          "i'm not able to help with",
          "i won't be able to help");

  /**
   * The YAML options of this policy.
   *
   * @param finishReasons normalised finish reasons that mean a refusal; default content_filter,
   *     refusal, safety, recitation, blocklist, prohibited_content, spii, image_safety
   * @param phrases case-insensitive phrases in the output that mean a refusal; {@code []} turns
   *     phrase matching off
   */
  record Options(List<String> finishReasons, List<String> phrases) {
    Options {
      finishReasons =
          finishReasons == null
              ? List.copyOf(FinishReasons.REFUSALS)
              : finishReasons.stream().map(FinishReasons::normalise).toList();
      phrases =
          phrases == null
              ? DEFAULT_PHRASES
              : phrases.stream().map(p -> p.toLowerCase(Locale.ROOT).replace('’', '\'')).toList();
    }
  }

  private final Set<String> reasons;
  private final String reasonList;
  private final CaseInsensitivePhrases phrases;
  private final CountedVerdicts noRefusal;

  RefusalPolicy(Options options) {
    this.reasons = Set.copyOf(options.finishReasons());
    this.reasonList =
        options.finishReasons().stream()
            .sorted()
            .collect(Collectors.joining(", ", "one of [", "]"));
    this.phrases = new CaseInsensitivePhrases(options.phrases());
    this.noRefusal =
        CountedVerdicts.noOpinion(
            judged ->
                Explanation.of(
                    judged == 0 ? "no LLM calls" : "no refusal in " + judged + " LLM calls",
                    Evidence.ofTrace("llm calls", Integer.toString(judged), reasonList)));
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    List<LlmCall> calls = trace.llmCalls();
    for (int ci = 0; ci < calls.size(); ci++) {
      LlmCall call = calls.get(ci);
      for (int ri = 0; ri < call.finishReasons().size(); ri++) {
        String r = call.finishReasons().get(ri);
        if (reasons.contains(r)) {
          return Verdict.keep(
              "refusal: " + LlmEvidence.label(call) + " " + call.model() + " finished with " + r,
              LlmEvidence.of(call, "finish_reasons", r, reasonList));
        }
      }
      if (call.judge()) {
        continue; // a judge's output grades another answer: its phrasing is no refusal
      }
      String phrase = phrases.firstIn(call.outputText());
      if (phrase != null) {
        return Verdict.keep(
            "refusal: " + LlmEvidence.label(call) + " answered \"" + phrase + "…\"",
            LlmEvidence.of(call, "output text", phrase, "refusal phrasing"));
      }
    }
    return noRefusal.of(calls.size());
  }
}
