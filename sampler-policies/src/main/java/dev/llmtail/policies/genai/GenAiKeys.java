package dev.llmtail.policies.genai;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The attribute keys the GenAI normaliser reads on every span, each with a fixed slot, so that one
 * pass over a span's attributes files the values it needs in an array instead of indexing every
 * attribute in a map.
 *
 * <p>The list is an optimisation, not a rule: a key missing here is still read, by a scan of the
 * span's attributes ({@link SpanAttributes}); a key listed here costs one slot per span. List the
 * keys read on most spans (call detection, the LLM call's facts).
 */
final class GenAiKeys {

  /** Where the dialects put a call's conversation or session id, in the order they are tried. */
  static final String[] CONVERSATION = {
    "gen_ai.conversation.id",
    "session.id",
    "traceloop.association.properties.session_id",
    "traceloop.association.properties.conversation_id",
    "traceloop.association.properties.thread_id",
    "ai.telemetry.metadata.sessionId",
    "ai.telemetry.metadata.conversationId",
    "ai.telemetry.metadata.threadId"
  };

  private static final List<String> KEYS = keys();

  private static List<String> keys() {
    List<String> keys = new ArrayList<>(List.of(CONVERSATION));
    keys.addAll(
        List.of(
            // which spans are calls, judges, evaluations
            "openinference.span.kind",
            "gen_ai.operation.name",
            "llm.request.type",
            "gen_ai.system",
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "gen_ai.response.model",
            "gen_ai.evaluation.name",
            "gen_ai.evaluation.score.label",
            "gen_ai.guardrail.result.type",
            "gen_ai.guardrail.result.value",
            // the call's facts (LlmCallReader)
            "llm.invocation_parameters",
            "gen_ai.request.stream",
            "llm.is_streaming",
            "gen_ai.is_streaming",
            "llm.request.model_name",
            "ai.model.id",
            "llm.response.model_name",
            "ai.response.model",
            "llm.model_name",
            "gen_ai.response.finish_reasons",
            "llm.finish_reason",
            "ai.response.finishReason",
            "error.type",
            "http.request.resend_count",
            "gen_ai.request.attempt",
            "llm.request.attempt",
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.prompt_tokens",
            "llm.token_count.prompt",
            "ai.usage.inputTokens",
            "ai.usage.promptTokens",
            "gen_ai.usage.output_tokens",
            "gen_ai.usage.completion_tokens",
            "llm.token_count.completion",
            "ai.usage.outputTokens",
            "ai.usage.completionTokens",
            "llm.provider",
            "llm.system",
            "ai.model.provider",
            "gen_ai.usage.cache_read.input_tokens",
            "gen_ai.usage.cache_read_input_tokens",
            "llm.token_count.prompt_details.cache_read",
            "ai.usage.cachedInputTokens",
            "ai.usage.inputTokenDetails.cacheReadTokens",
            "gen_ai.usage.cache_creation.input_tokens",
            "gen_ai.usage.cache_write.input_tokens",
            "gen_ai.usage.cache_creation_input_tokens",
            "llm.token_count.prompt_details.cache_write",
            "gen_ai.usage.reasoning.output_tokens",
            "llm.token_count.completion_details.reasoning",
            "ai.usage.reasoningTokens",
            "llm.cost.total",
            "gen_ai.usage.cost",
            // captured prompt and output (CapturedText)
            "gen_ai.input.messages",
            "input.value",
            "ai.prompt.messages",
            "ai.prompt",
            "gen_ai.prompt",
            "gen_ai.system_instructions",
            "gen_ai.output.messages",
            "output.value",
            "ai.response.text",
            "gen_ai.completion"));
    return List.copyOf(keys);
  }

  private static final Map<String, Integer> SLOTS = slots();

  private GenAiKeys() {}

  private static Map<String, Integer> slots() {
    Map<String, Integer> slots = new HashMap<>(KEYS.size() * 2);
    for (String key : KEYS) {
      if (slots.putIfAbsent(key, slots.size()) != null) {
        throw new IllegalStateException("GenAiKeys lists '" + key + "' twice");
      }
    }
    return slots;
  }

  /** The slot of {@code key}, or -1 if it has none. */
  static int slot(String key) {
    Integer slot = SLOTS.get(key);
    return slot == null ? -1 : slot;
  }

  /** One pass over {@code attributes}: each listed key's value in its slot (the last one wins). */
  static @Nullable AnyValue[] file(List<KeyValue> attributes) {
    @Nullable AnyValue[] known = new AnyValue[KEYS.size()];
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      Integer slot = SLOTS.get(kv.getKey());
      if (slot != null) {
        known[slot] = kv.getValue();
      }
    }
    return known;
  }
}
