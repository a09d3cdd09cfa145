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

  /**
   * Reasons an instrumentation writes for a stream that ended before the provider's finish: AI SDK
   * v7 {@code interrupted}; AI SDK v6 {@code other} for a stream that closed without a finish chunk
   * (a clean EOF). Only a streamed (or possibly streamed) call is judged by these: Gemini's {@code
   * OTHER} on a whole answer is not a cut stream.
   */
  public static final Set<String> CUTS = Set.of("interrupted", "aborted", "cancelled", "other");

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

  /** How a call ended, in the classes policies and metrics share. */
  public enum Outcome {
    /** It finished as the provider meant it to ({@code stop}, {@code tool_calls}, …). */
    NORMAL,
    /** The provider refused or a filter blocked the answer. */
    REFUSED,
    /** The answer was cut by a token or context limit, streamed or not. */
    TRUNCATED,
    /** A streamed call (or one whose instrumentation does not say) was cut before it finished. */
    CUT,
    /** The call failed. */
    ERROR
  }

  /** The class of one call's end; refused wins over truncated, truncated over cut. */
  public static Outcome classify(LlmCall call) {
    List<String> reasons = call.finishReasons();
    boolean truncated = false;
    for (String r : reasons) {
      if (REFUSALS.contains(r)) {
        return Outcome.REFUSED;
      }
      truncated |= TRUNCATIONS.contains(r) && !r.equals(ERROR);
    }
    if (truncated) {
      return Outcome.TRUNCATED;
    }
    if (!cutSign(call).isEmpty()) {
      return Outcome.CUT;
    }
    return call.statusError() || reasons.contains(ERROR) ? Outcome.ERROR : Outcome.NORMAL;
  }

  /**
   * Why a call that may have streamed counts as cut, or {@code ""}: it never ended; it ended with
   * an error before a finish reason (or while streaming); it ended with neither a finish reason nor
   * usage (an abort: an instrumentation that records no finish reasons on streams still records
   * usage); or with a reason from {@link #CUTS} or {@code error}. A call known not to have
   * streamed, and embeddings, are never cut.
   */
  public static String cutSign(LlmCall call) {
    if (Boolean.FALSE.equals(call.streaming()) || call.operation().equals("embeddings")) {
      return "";
    }
    List<String> reasons = call.finishReasons();
    if (!call.ended()) {
      return "never ended";
    }
    if (call.statusError() && (Boolean.TRUE.equals(call.streaming()) || reasons.isEmpty())) {
      return "ended with an error"
          + (call.errorType().isEmpty() ? "" : " (" + call.errorType() + ")");
    }
    if (reasons.isEmpty() && call.outputTokens() == null) {
      return "ended without a finish reason or usage";
    }
    for (String r : reasons) {
      if (CUTS.contains(r) || r.equals(ERROR)) {
        return "finished with " + r;
      }
    }
    return "";
  }

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
