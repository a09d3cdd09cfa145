package dev.llmtail.policies.genai;

import dev.llmtail.core.Evaluation;
import dev.llmtail.core.SpanView;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * The evaluator, guardrail and feedback results a span carries: OpenTelemetry {@code
 * gen_ai.evaluation.result} events and attributes, OpenInference {@code evaluations.N.*} and {@code
 * annotations.N.*} (HUMAN annotators are user feedback; a span linking to another judges that one),
 * and {@code gen_ai.guardrail.*}.
 */
final class Evaluations {

  private static final HexFormat HEX = HexFormat.of();
  private static final GenAiKeys.Keys EVALUATION =
      GenAiKeys.keys("gen_ai.evaluation.name", "gen_ai.evaluation.score.label");
  private static final GenAiKeys.Keys GUARDRAIL_RESULT =
      GenAiKeys.keys("gen_ai.guardrail.result.type", "gen_ai.guardrail.result.value");

  private Evaluations() {}

  /** Adds the results span {@code s}, with attributes {@code a}, carries to {@code out}. */
  static void read(SpanView s, SpanAttributes a, Consumer<String> ignored, List<Evaluation> out) {
    Span span = s.proto();
    for (int e = 0, n = span.getEventsCount(); e < n; e++) {
      Span.Event event = span.getEvents(e);
      if (event.getName().equals("gen_ai.evaluation.result")) {
        out.add(otel(s.spanIdHex(), new SpanAttributes(event.getAttributesList(), ignored)));
      }
    }
    boolean otel = a.has(EVALUATION);
    List<Integer> evaluations = a.indexes("evaluations.");
    List<Integer> annotations = a.indexes("annotations.");
    if (otel || !evaluations.isEmpty() || !annotations.isEmpty()) {
      String judged =
          span.getLinksCount() > 0
              ? HEX.formatHex(span.getLinks(0).getSpanId().toByteArray())
              : s.spanIdHex();
      if (otel) {
        out.add(otel(judged, a));
      }
      for (int i : evaluations) {
        out.add(openInference(judged, a, "evaluations." + i + ".evaluation.", "evaluation"));
      }
      for (int i : annotations) {
        String p = "annotations." + i + ".annotation.";
        String source =
            a.text(p + "annotator_kind").equalsIgnoreCase("HUMAN") ? "feedback" : "evaluation";
        out.add(openInference(judged, a, p, source));
      }
    }
    if (a.has(GUARDRAIL_RESULT)) {
      out.add(
          new Evaluation(
              s.spanIdHex(),
              a.text("gen_ai.guardrail.risk.category", "gen_ai.guardrail.name"),
              a.text("gen_ai.guardrail.result.type", "gen_ai.guardrail.result.value"),
              a.number("gen_ai.guardrail.risk.score"),
              "",
              "guardrail"));
    }
  }

  /**
   * A {@code gen_ai.evaluation.*} result from span or event attributes (also used for log records).
   */
  static Evaluation otel(String spanId, SpanAttributes a) {
    return new Evaluation(
        spanId,
        a.text("gen_ai.evaluation.name"),
        a.text("gen_ai.evaluation.score.label"),
        a.number("gen_ai.evaluation.score.value"),
        a.text("gen_ai.evaluation.explanation"),
        "evaluation");
  }

  private static Evaluation openInference(
      String spanId, SpanAttributes a, String prefix, String source) {
    return new Evaluation(
        spanId,
        a.text(prefix + "name"),
        a.text(prefix + "label"),
        a.number(prefix + "score"),
        a.text(prefix + "explanation"),
        source);
  }
}
