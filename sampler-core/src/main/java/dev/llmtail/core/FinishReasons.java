package dev.llmtail.core;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One spelling per finish reason, as {@link LlmCall#finishReasons()} holds them. Lower case, {@code
 * -} → {@code _}, Spring AI's brackets gone, and provider synonyms mapped: Anthropic {@code
 * end_turn}/{@code max_tokens}, Gemini {@code SAFETY} and friends, OpenAI {@code tool_calls}, AI
 * SDK {@code content-filter}.
 */
public final class FinishReasons {

  public static final String STOP = "stop";
  public static final String LENGTH = "length";
  public static final String CONTENT_FILTER = "content_filter";
  public static final String REFUSAL = "refusal";
  public static final String TOOL_CALLS = "tool_calls";
  public static final String ERROR = "error";

  /** Reasons that mean the provider refused or blocked the answer. */
  public static final Set<String> REFUSALS =
      Set.of(
          CONTENT_FILTER,
          REFUSAL,
          "safety",
          "recitation",
          "blocklist",
          "prohibited_content",
          "spii",
          "image_safety");

  /** Reasons that mean the answer was cut short. */
  public static final Set<String> TRUNCATIONS =
      Set.of(LENGTH, "model_context_window_exceeded", ERROR);

  private static final Map<String, String> SYNONYMS =
      Map.ofEntries(
          Map.entry("end_turn", STOP),
          Map.entry("stop_sequence", STOP),
          Map.entry("complete", STOP),
          Map.entry("finish_reason_unspecified", "other"),
          Map.entry("max_tokens", LENGTH),
          Map.entry("max_output_tokens", LENGTH),
          Map.entry("tool_call", TOOL_CALLS),
          Map.entry("tool_use", TOOL_CALLS),
          Map.entry("function_call", TOOL_CALLS),
          Map.entry("content_filtered", CONTENT_FILTER));

  private FinishReasons() {}

  /** The canonical spelling of one reported finish reason; {@code ""} for a blank one. */
  public static String normalise(String raw) {
    String r = raw.trim().toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    if (r.startsWith("[") && r.endsWith("]")) {
      r = r.substring(1, r.length() - 1).trim();
    }
    if (r.startsWith("finish_reason_")) {
      r = r.substring("finish_reason_".length());
    }
    return SYNONYMS.getOrDefault(r, r);
  }

  /** The canonical spellings of reported finish reasons, blanks and repeats left out. */
  public static List<String> normaliseAll(List<String> raw) {
    return raw.stream().map(FinishReasons::normalise).filter(r -> !r.isEmpty()).distinct().toList();
  }
}
