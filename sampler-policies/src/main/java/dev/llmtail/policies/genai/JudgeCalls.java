package dev.llmtail.policies.genai;

import dev.llmtail.core.SpanView;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
  private static final HexFormat HEX = HexFormat.of();

  private JudgeCalls() {}

  /** The ids among {@code callIds} whose span has an evaluator or guardrail span above it. */
  static Set<String> of(
      List<SpanView> spans, Map<String, SpanAttributes> attributes, Set<String> callIds) {
    Map<String, String> parents = new HashMap<>();
    Set<String> grading = new HashSet<>();
    for (SpanView s : spans) {
      if (!s.isRoot()) {
        parents.put(s.spanIdHex(), HEX.formatHex(s.proto().getParentSpanId().toByteArray()));
      }
      if (grades(Objects.requireNonNull(attributes.get(s.spanIdHex())))) {
        grading.add(s.spanIdHex());
      }
    }
    Set<String> judges = new HashSet<>();
    if (grading.isEmpty()) {
      return judges;
    }
    for (String id : callIds) {
      String p = parents.get(id);
      for (int depth = 0; p != null && depth < MAX_ANCESTRY; depth++) {
        if (grading.contains(p)) {
          judges.add(id);
          break;
        }
        p = parents.get(p);
      }
    }
    return judges;
  }

  private static boolean grades(SpanAttributes a) {
    return GRADING_KINDS.contains(a.text("openinference.span.kind").toUpperCase(Locale.ROOT))
        || a.text("gen_ai.operation.name").equalsIgnoreCase("apply_guardrail");
  }
}
