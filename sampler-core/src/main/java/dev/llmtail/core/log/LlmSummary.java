package dev.llmtail.core.log;

import dev.llmtail.core.LlmCall;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The LLM side of one trace in a few numbers: how many calls, which models were asked and which
 * answered, tokens, and cost (null when no call reported one). {@code content} holds the captured
 * prompts and outputs only when the decision log was told to keep message content.
 */
public record LlmSummary(
    int calls,
    List<String> modelsAsked,
    List<String> modelsAnswered,
    long inputTokens,
    long outputTokens,
    long cachedInputTokens,
    @Nullable Double costUsd,
    List<MessageContent> content) {

  /** Longest prompt or output text kept per call when content is captured. */
  static final int CONTENT_CAP = 2_000;

  /** A trace without LLM calls: most of them, so one shared value. */
  private static final LlmSummary NONE =
      new LlmSummary(0, List.of(), List.of(), 0, 0, 0, null, List.of());

  public LlmSummary {
    modelsAsked = List.copyOf(modelsAsked);
    modelsAnswered = List.copyOf(modelsAnswered);
    content = List.copyOf(content);
  }

  /** The prompt and output text of one call, each capped. */
  public record MessageContent(String spanId, String input, String output) {}

  static LlmSummary of(List<LlmCall> calls, boolean keepContent) {
    if (calls.isEmpty()) {
      return NONE;
    }
    Set<String> asked = new LinkedHashSet<>(4);
    Set<String> answered = new LinkedHashSet<>(4);
    long in = 0;
    long out = 0;
    long cached = 0;
    Double cost = null;
    List<MessageContent> content = keepContent ? new ArrayList<>() : List.of();
    for (LlmCall c : calls) {
      if (!c.requestModel().isEmpty()) {
        asked.add(c.requestModel());
      }
      if (!c.responseModel().isEmpty()) {
        answered.add(c.responseModel());
      }
      in += c.inputTokens() == null ? 0 : c.inputTokens();
      out += c.outputTokens() == null ? 0 : c.outputTokens();
      cached += c.cacheReadTokens() == null ? 0 : c.cacheReadTokens();
      if (c.costUsd() != null) {
        cost = (cost == null ? 0 : cost) + c.costUsd();
      }
      if (keepContent && !(c.inputText().isEmpty() && c.outputText().isEmpty())) {
        content.add(new MessageContent(c.spanId(), cap(c.inputText()), cap(c.outputText())));
      }
    }
    return new LlmSummary(
        calls.size(), List.copyOf(asked), List.copyOf(answered), in, out, cached, cost, content);
  }

  private static String cap(String text) {
    return text.length() <= CONTENT_CAP ? text : text.substring(0, CONTENT_CAP) + "…";
  }
}
