package dev.llmtail.policies.genai;

import dev.llmtail.core.SpanView;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Which spans the GenAI normaliser has nothing to read from: not a call, wrapper, evaluator or
 * guardrail, and carrying no evaluation result. Most spans of an LLM app are such (HTTP, database,
 * a tool's {@code execute_tool} span), and telling them apart takes one pass over their keys, with
 * no attribute view, map or string built.
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

  private static final String OPERATION = "gen_ai.operation.name";

  /** Keys that make a span worth reading whatever their value (a list: compared, not hashed). */
  private static final List<String> READ_ANYWAY =
      List.of(
          "gen_ai.evaluation.name",
          "gen_ai.evaluation.score.label",
          "gen_ai.guardrail.result.type",
          "gen_ai.guardrail.result.value");

  /**
   * Operations that make a span a call, a wrapper or a guardrail. Compared ignoring case, which
   * matches whatever the readers' lower case ({@code Locale.ROOT}) matches, and more (the Kelvin
   * sign, a dotted capital I): more spans read, never fewer.
   */
  private static final String[] READ_OPERATIONS = {
    "chat",
    "text_completion",
    "generate_content",
    "embeddings",
    "completion",
    "responses",
    "invoke_agent",
    "apply_guardrail"
  };

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
    @Nullable AnyValue operation = null;
    boolean callWithoutOperation = false;
    List<KeyValue> attributes = span.getAttributesList();
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      String key = kv.getKey();
      if (key.isEmpty()) {
        continue;
      }
      // The first character rules out almost every key without comparing it.
      switch (key.charAt(0)) {
        case 'g' -> {
          if (key.equals(OPERATION)) {
            operation = kv.getValue(); // the last one wins, as in the readers' view
          } else if (key.equals("gen_ai.system") || key.equals("gen_ai.provider.name")) {
            callWithoutOperation = true;
          } else if (READ_ANYWAY.contains(key)) {
            return false;
          }
        }
        case 'o' -> {
          if (key.equals("openinference.span.kind")) {
            return false;
          }
        }
        case 'l' -> callWithoutOperation |= key.equals("llm.request.type");
        case 'e' -> {
          if (key.startsWith("evaluations.")) {
            return false;
          }
        }
        case 'a' -> {
          if (key.startsWith("annotations.")) {
            return false;
          }
        }
        default -> {}
      }
    }
    if (operation == null) {
      return !callWithoutOperation;
    }
    String named = SpanAttributes.text(operation);
    if (named.isEmpty()) {
      return false;
    }
    for (String read : READ_OPERATIONS) {
      if (read.equalsIgnoreCase(named)) {
        return false;
      }
    }
    return true;
  }
}
