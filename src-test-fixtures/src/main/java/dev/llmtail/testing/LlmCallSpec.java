package dev.llmtail.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What one LLM call in a test trace did, independent of how an instrumentation writes it; a {@link
 * Dialect} turns it into span attributes. Defaults describe a healthy, non-streamed chat call to
 * OpenAI's gpt-4o that finished with {@code stop}.
 */
public final class LlmCallSpec {

  String provider = "openai";
  String requestModel = "gpt-4o";
  @Nullable String responseModel = "gpt-4o-2024-08-06";
  boolean streaming;

  /**
   * Provider-spelled finish reason ({@code stop}, {@code length}, {@code content_filter}…); null:
   * none reported.
   */
  @Nullable String finishReason = "stop";

  @Nullable Long inputTokens = 1200L;
  @Nullable Long outputTokens = 300L;
  @Nullable Long cacheReadTokens;
  @Nullable Long cacheWriteTokens;
  @Nullable Double costUsd;
  @Nullable String error;
  boolean ended = true;
  @Nullable String conversationId;
  String userPrompt = "Where is my order #1234?";
  List<String> earlierTurns = new ArrayList<>();
  String output = "Your order shipped yesterday and arrives Friday.";
  boolean refusalField;
  long startMillis = 100;
  long durationMillis = 1400;
  final Map<String, Object> extra = new LinkedHashMap<>();

  public static LlmCallSpec healthy() {
    return new LlmCallSpec();
  }

  public LlmCallSpec provider(String p) {
    provider = p;
    return this;
  }

  public LlmCallSpec models(String requested, @Nullable String answered) {
    requestModel = requested;
    responseModel = answered;
    return this;
  }

  public LlmCallSpec streaming() {
    streaming = true;
    return this;
  }

  /** Provider-spelled finish reason, or null for none reported. */
  public LlmCallSpec finishReason(@Nullable String reason) {
    finishReason = reason;
    return this;
  }

  public LlmCallSpec usage(@Nullable Long input, @Nullable Long output) {
    inputTokens = input;
    outputTokens = output;
    return this;
  }

  public LlmCallSpec cache(@Nullable Long read, @Nullable Long write) {
    cacheReadTokens = read;
    cacheWriteTokens = write;
    return this;
  }

  public LlmCallSpec cost(double usd) {
    costUsd = usd;
    return this;
  }

  public LlmCallSpec error(String errorType) {
    error = errorType;
    return this;
  }

  /** The call's span never ended (so an SDK never exports it). */
  public LlmCallSpec unended() {
    ended = false;
    return this;
  }

  public LlmCallSpec conversation(String id) {
    conversationId = id;
    return this;
  }

  public LlmCallSpec prompt(String text) {
    userPrompt = text;
    return this;
  }

  /** Earlier user/assistant exchanges captured in the input: this is turn N+1 of a conversation. */
  public LlmCallSpec afterTurns(String... assistantAnswers) {
    earlierTurns.addAll(List.of(assistantAnswers));
    return this;
  }

  public LlmCallSpec output(String text) {
    output = text;
    return this;
  }

  /** An OpenAI refusal: the {@code refusal} message field, with finish reason {@code stop}. */
  public LlmCallSpec refusalMessage(String text) {
    refusalField = true;
    output = text;
    finishReason = "stop";
    return this;
  }

  public LlmCallSpec at(long startMillis, long durationMillis) {
    this.startMillis = startMillis;
    this.durationMillis = durationMillis;
    return this;
  }

  /** An application attribute on the LLM span, e.g. a delivered-token count. */
  public LlmCallSpec attribute(String key, Object value) {
    extra.put(key, value);
    return this;
  }
}
