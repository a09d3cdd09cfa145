package dev.llmtail.core;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One LLM call as every instrumentation dialect reports it, normalised once at ingest: what was
 * asked of which model, what answered, how it finished, what it cost. Policies read these instead
 * of span attributes.
 *
 * <p>Absent facts are {@code ""} for text and {@code null} for numbers and flags: "the span did not
 * say" is different from zero.
 *
 * @param spanId hex id of the span the call was read from
 * @param spanName name of that span, e.g. {@code chat gpt-4o}
 * @param provider lower-case provider, e.g. {@code openai}, {@code anthropic}, {@code google}
 * @param requestModel the model asked for
 * @param responseModel the model that answered
 * @param operation e.g. {@code chat}, {@code text_completion}, {@code embeddings}
 * @param streaming whether the response was streamed
 * @param finishReasons normalised finish reasons: lower case, {@code _} for {@code -}, provider
 *     synonyms mapped ({@code stop}, {@code length}, {@code content_filter}, {@code refusal},
 *     {@code tool_calls}, {@code error}, …, see {@link FinishReasons}); empty when none was
 *     reported
 * @param inputTokens input tokens billed, including cached ones
 * @param outputTokens output tokens billed
 * @param cacheReadTokens input tokens read from the prompt cache
 * @param cacheWriteTokens input tokens written to the prompt cache
 * @param reasoningTokens output tokens spent on reasoning
 * @param costUsd cost the span already carried, in USD
 * @param errorType {@code error.type} or the span's error description
 * @param statusError whether the span's status is ERROR
 * @param ended whether the span has an end time
 * @param attempt retry attempt or resend count (0 or 1 for a first try, as the dialect counts)
 * @param conversationId conversation, session or thread id
 * @param prompt the captured request: its text ({@link #inputText()}) and digest ({@link
 *     #inputDigest()}), made when first read
 * @param outputText captured output text (capped), for patterns
 * @param startEpochNanos span start
 * @param endEpochNanos span end (0 if it has not ended)
 * @param judge whether the call grades another answer rather than answers the user: an LLM judge or
 *     classifier called inside an evaluator or guardrail span (see {@code genai-dialects})
 */
public record LlmCall(
    String spanId,
    String spanName,
    String provider,
    String requestModel,
    String responseModel,
    String operation,
    @Nullable Boolean streaming,
    List<String> finishReasons,
    @Nullable Long inputTokens,
    @Nullable Long outputTokens,
    @Nullable Long cacheReadTokens,
    @Nullable Long cacheWriteTokens,
    @Nullable Long reasoningTokens,
    @Nullable Double costUsd,
    String errorType,
    boolean statusError,
    boolean ended,
    @Nullable Integer attempt,
    String conversationId,
    CapturedPrompt prompt,
    String outputText,
    long startEpochNanos,
    long endEpochNanos,
    boolean judge) {

  public LlmCall {
    Objects.requireNonNull(spanId, "spanId");
    spanName = Objects.requireNonNullElse(spanName, "");
    provider = Objects.requireNonNullElse(provider, "");
    requestModel = Objects.requireNonNullElse(requestModel, "");
    responseModel = Objects.requireNonNullElse(responseModel, "");
    operation = Objects.requireNonNullElse(operation, "");
    finishReasons = finishReasons == null ? List.of() : List.copyOf(finishReasons);
    errorType = Objects.requireNonNullElse(errorType, "");
    conversationId = Objects.requireNonNullElse(conversationId, "");
    prompt = Objects.requireNonNullElse(prompt, CapturedPrompt.NONE);
    outputText = Objects.requireNonNullElse(outputText, "");
  }

  /** Captured prompt text (capped at 8 192 characters), for patterns; {@code ""} if none. */
  public String inputText() {
    return prompt.text();
  }

  /**
   * A 128-bit hash (hex) of the whole captured request — system instructions and every message, not
   * capped like {@link #inputText()} — so that two calls compare equal only when all they sent was
   * equal; {@code ""} when nothing was captured.
   */
  public String inputDigest() {
    return prompt.digest();
  }

  /** The answering model if known, else the requested one, else {@code ""}. */
  public String model() {
    return responseModel.isEmpty() ? requestModel : responseModel;
  }
}
