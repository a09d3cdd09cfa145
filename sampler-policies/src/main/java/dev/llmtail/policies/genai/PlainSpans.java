package dev.llmtail.policies.genai;

import dev.llmtail.core.SpanView;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * Which spans the GenAI normaliser has nothing to read from: not a call, wrapper, evaluator or
 * guardrail, and carrying no evaluation result. Most spans of an LLM app are such (HTTP, database,
 * a tool's {@code execute_tool} span), and telling them apart takes one pass over their keys, with
 * no attribute view, map or string built ({@link SpanKeys}, whose marks the policies read too).
 *
 * <p>Errs toward "not plain": a span is plain only when {@link CallSpans}, {@link JudgeCalls} and
 * {@link Evaluations} would find nothing in it — no {@code ai.*} name, no {@code
 * gen_ai.evaluation.result} event, no OpenInference span kind, no evaluation, guardrail result,
 * {@code evaluations.N.*} or {@code annotations.N.*} key, and either no operation name and nothing
 * that marks a call without one ({@code llm.request.type}, {@code gen_ai.system}, {@code
 * gen_ai.provider.name}), or an operation that is no call, wrapper or guardrail ({@code
 * execute_tool}, {@code retrieval}…). {@code PlainSpansPropertiesTest} holds it to that.
 */
final class PlainSpans {

  private PlainSpans() {}

  /** Whether the normaliser would find nothing in {@code s}. */
  static boolean plain(SpanView s) {
    if (s.name().startsWith("ai.")) {
      return false;
    }
    Span span = s.proto();
    for (int i = 0, n = span.getEventsCount(); i < n; i++) {
      if (span.getEvents(i).getName().equals("gen_ai.evaluation.result")) {
        return false;
      }
    }
    int marks = SpanKeys.marks(s); // the one pass over its keys, kept for the policies
    if ((marks & SpanKeys.READ) != 0) {
      return false;
    }
    return (marks & SpanKeys.OPERATION) == 0
        ? (marks & SpanKeys.CALL_MARK) == 0
        : (marks & SpanKeys.READ_OPERATION) == 0;
  }
}
