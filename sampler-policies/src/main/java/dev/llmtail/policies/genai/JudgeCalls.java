package dev.llmtail.policies.genai;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which LLM calls of a trace grade another answer instead of answering the user: calls made inside
 * an evaluator or guardrail span — OpenInference {@code EVALUATOR} or {@code GUARDRAIL} spans, and
 * GenAI {@code apply_guardrail} spans. An LLM judge quoting the phrases it looked for ("it did not
 * say 'I can't help with'") or a classifier naming the commands it checked ("no rm -rf") is not a
 * refusal or a destructive answer.
 *
 * <p>Only the span tree says so: the judge's own span looks like any other call, and an app that
 * calls a judge outside such a span is not recognised (its verdict usually arrives as an evaluation
 * result, which is read on its own).
 */
final class JudgeCalls {

  private static final Set<String> GRADING_KINDS = Set.of("EVALUATOR", "GUARDRAIL");
  private static final int MAX_ANCESTRY = 64;

  private JudgeCalls() {}

  /**
   * Per span, whether it is one of {@code calls} with an evaluator or guardrail span above it; null
   * when the trace has no such span (almost every trace: nothing is walked).
   */
  static boolean @Nullable [] of(TraceSpans spans, boolean[] calls) {
    @Nullable Set<String> grading = null;
    for (int i = 0; i < spans.size(); i++) {
      SpanAttributes a = spans.attributes(i);
      if (a != null && grades(a)) {
        if (grading == null) {
          grading = new HashSet<>();
        }
        grading.add(spans.span(i).spanIdHex());
      }
    }
    if (grading == null) {
      return null;
    }
    boolean[] judges = new boolean[spans.size()];
    for (int i = 0; i < spans.size(); i++) {
      if (!calls[i]) {
        continue;
      }
      String p = spans.parentOf(spans.span(i).spanIdHex());
      for (int depth = 0; p != null && depth < MAX_ANCESTRY; depth++) {
        if (grading.contains(p)) {
          judges[i] = true;
          break;
        }
        p = spans.parentOf(p);
      }
    }
    return judges;
  }

  static boolean grades(SpanAttributes a) {
    return GRADING_KINDS.contains(a.text(GenAiKeys.SPAN_KIND).toUpperCase(Locale.ROOT))
        || a.text(GenAiKeys.OPERATION_NAME).equalsIgnoreCase("apply_guardrail");
  }
}
