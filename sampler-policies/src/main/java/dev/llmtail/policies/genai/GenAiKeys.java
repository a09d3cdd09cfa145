package dev.llmtail.policies.genai;

import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

  /**
   * Prefixes of flattened lists ({@code prefix.N.…}) whose presence one pass notes, so that a span
   * without them is not scanned for them: prompts and outputs, evaluations and annotations.
   */
  private static final String[] FLATTENED = {
    "gen_ai.prompt.",
    "gen_ai.completion.",
    "llm.input_messages.",
    "llm.output_messages.",
    "evaluations.",
    "annotations."
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

  // Keys several readers read (declared after SLOTS, which they need).
  static final Keys SPAN_KIND = keys("openinference.span.kind");
  static final Keys OPERATION_NAME = keys("gen_ai.operation.name");
  static final Keys MODELS = keys("gen_ai.request.model", "gen_ai.response.model");

  private GenAiKeys() {}

  private static Map<String, Integer> slots() {
    Map<String, Integer> slots = new HashMap<>(KEYS.size() * 2);
    for (String key : KEYS) {
      if (slots.putIfAbsent(key, slots.size()) != null) {
        throw new IllegalStateException("GenAiKeys lists '" + key + "' twice");
      }
      if (flattened(key) != 0) {
        // file() notes prefixes of keys without a slot only
        throw new IllegalStateException("GenAiKeys lists '" + key + "', a flattened list's key");
      }
    }
    return slots;
  }

  /**
   * Keys of one fact in the order they are tried, each with its slot: the normaliser's view reads
   * them from their slots, without a lookup per key; any other view by name.
   */
  static final class Keys {
    final String[] names;
    final int[] slots;

    private Keys(String[] names, int[] slots) {
      this.names = names;
      this.slots = slots;
    }
  }

  /** {@code names} with their slots; each must have one (checked once, when the class loads). */
  static Keys keys(String... names) {
    int[] slots = new int[names.length];
    for (int i = 0; i < names.length; i++) {
      slots[i] = slot(names[i]);
      if (slots[i] < 0) {
        throw new IllegalStateException("GenAiKeys does not list '" + names[i] + "'; add it");
      }
    }
    return new Keys(names.clone(), slots);
  }

  /** Every key with a slot, in slot order. */
  static List<String> names() {
    return KEYS;
  }

  /** How many slots {@link #file} fills. */
  static int count() {
    return KEYS.size();
  }

  /** The bit {@link #file} sets for a key starting with {@code prefix}, or 0 if it sets none. */
  static int flattenedBit(String prefix) {
    for (int i = 0; i < FLATTENED.length; i++) {
      if (FLATTENED[i].equals(prefix)) {
        return 1 << i;
      }
    }
    return 0;
  }

  /** The bit of the first of {@link #FLATTENED} that {@code key} starts with, or 0. */
  private static int flattened(String key) {
    if (key.isEmpty()) {
      return 0;
    }
    char first = key.charAt(0);
    if (first != 'g' && first != 'l' && first != 'e' && first != 'a') {
      return 0; // most keys: no prefix compared
    }
    for (int i = 0; i < FLATTENED.length; i++) {
      if (key.startsWith(FLATTENED[i])) {
        return 1 << i;
      }
    }
    return 0;
  }

  /** The slot of {@code key}, or -1 if it has none. */
  static int slot(String key) {
    Integer slot = SLOTS.get(key);
    return slot == null ? -1 : slot;
  }

  /** The most attributes {@link #file} numbers in a byte. */
  static final int MAX_FILED = 255;

  /**
   * One pass over at most {@link #MAX_FILED} {@code attributes}: in each listed key's slot of
   * {@code known}, 1 + the position of its last attribute; returns the bits ({@link #flattenedBit})
   * of the flattened prefixes seen.
   */
  static int file(List<KeyValue> attributes, byte[] known) {
    int flattened = 0;
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      String key = kv.getKey();
      Integer slot = SLOTS.get(key);
      if (slot != null) {
        known[slot] = (byte) (i + 1);
      } else {
        flattened |= flattened(key);
      }
    }
    return flattened;
  }

  /**
   * Where the index N of a flattened key {@code prefix.N.rest} ends (the dot after it), or -1 if
   * {@code key} is not one: N is one or more of {@code 0-9}, {@code rest} one or more characters,
   * none a line end. As the regular expression {@code (\d+)\.(.+)} after {@code prefix} did,
   * without a substring and a matcher per key.
   */
  static int indexEnd(String key, String prefix) {
    if (!key.startsWith(prefix)) {
      return -1;
    }
    int dot = prefix.length();
    while (dot < key.length() && key.charAt(dot) >= '0' && key.charAt(dot) <= '9') {
      dot++;
    }
    if (dot == prefix.length() || dot + 1 >= key.length() || key.charAt(dot) != '.') {
      return -1;
    }
    for (int i = dot + 1; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
        return -1; // '.' in a regular expression matches no line end
      }
    }
    return dot;
  }
}
