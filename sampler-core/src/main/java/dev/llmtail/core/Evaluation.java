package dev.llmtail.core;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One evaluator, guardrail or user-feedback result about an LLM call or trace, from whichever
 * dialect reported it (a {@code gen_ai.evaluation.result} event or log record, OpenInference
 * evaluations and annotations, {@code gen_ai.guardrail.*}).
 *
 * @param spanId hex id of the span it was read from or refers to ({@code ""} if unknown)
 * @param name what was evaluated, e.g. {@code relevance}, {@code toxicity}, {@code user_feedback}
 * @param label the verdict label, e.g. {@code fail}, {@code unsafe}, {@code thumbs_down}
 * @param score a numeric score, or null
 * @param explanation free text, possibly empty
 * @param source where it came from: {@code evaluation}, {@code guardrail}, {@code feedback}
 */
public record Evaluation(
    String spanId,
    String name,
    String label,
    @Nullable Double score,
    String explanation,
    String source) {

  public Evaluation {
    spanId = Objects.requireNonNullElse(spanId, "");
    name = Objects.requireNonNullElse(name, "");
    label = Objects.requireNonNullElse(label, "");
    explanation = Objects.requireNonNullElse(explanation, "");
    source = Objects.requireNonNullElse(source, "evaluation");
  }
}
