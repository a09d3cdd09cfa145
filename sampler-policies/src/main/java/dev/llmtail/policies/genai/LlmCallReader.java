package dev.llmtail.policies.genai;

import dev.llmtail.core.CapturedPrompt;
import dev.llmtail.core.FinishReasons;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.LlmProviders;
import dev.llmtail.core.SpanView;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One LLM call span read into an {@link LlmCall}: each fact from the first attribute that carries
 * it, in the order the dialects are tried (OpenTelemetry GenAI current and older names,
 * OpenInference, OpenLLMetry/Traceloop, the Vercel AI SDK; Spring AI writes OpenTelemetry names as
 * strings). docs/policies.md has the table of facts and attributes.
 */
final class LlmCallReader {

  private static final Pattern STREAM_TRUE = Pattern.compile("\"stream\"\\s*:\\s*true");
  private static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"([^\"]+)\"");

  // The keys of each fact, in the order they are tried, read from their slots (no lookup per key).
  private static final GenAiKeys.Keys STREAM =
      GenAiKeys.keys("gen_ai.request.stream", "llm.is_streaming", "gen_ai.is_streaming");
  private static final GenAiKeys.Keys REQUEST_MODEL =
      GenAiKeys.keys("gen_ai.request.model", "llm.request.model_name", "ai.model.id");
  private static final GenAiKeys.Keys RESPONSE_MODEL =
      GenAiKeys.keys("gen_ai.response.model", "llm.response.model_name", "ai.response.model");
  private static final GenAiKeys.Keys OPERATION =
      GenAiKeys.keys("gen_ai.operation.name", "llm.request.type");
  private static final GenAiKeys.Keys FINISH_REASONS =
      GenAiKeys.keys(
          "gen_ai.response.finish_reasons", "llm.finish_reason", "ai.response.finishReason");
  private static final GenAiKeys.Keys ATTEMPT =
      GenAiKeys.keys("http.request.resend_count", "gen_ai.request.attempt", "llm.request.attempt");
  private static final GenAiKeys.Keys INPUT_TOKENS =
      GenAiKeys.keys(
          "gen_ai.usage.input_tokens",
          "gen_ai.usage.prompt_tokens",
          "llm.token_count.prompt",
          "ai.usage.inputTokens",
          "ai.usage.promptTokens");
  private static final GenAiKeys.Keys OUTPUT_TOKENS =
      GenAiKeys.keys(
          "gen_ai.usage.output_tokens",
          "gen_ai.usage.completion_tokens",
          "llm.token_count.completion",
          "ai.usage.outputTokens",
          "ai.usage.completionTokens");
  private static final GenAiKeys.Keys PROVIDER =
      GenAiKeys.keys(
          "gen_ai.provider.name",
          "gen_ai.system",
          "llm.provider",
          "llm.system",
          "ai.model.provider");
  private static final GenAiKeys.Keys CACHE_READ =
      GenAiKeys.keys(
          "gen_ai.usage.cache_read.input_tokens",
          "gen_ai.usage.cache_read_input_tokens",
          "llm.token_count.prompt_details.cache_read",
          "ai.usage.cachedInputTokens",
          "ai.usage.inputTokenDetails.cacheReadTokens");
  private static final GenAiKeys.Keys CACHE_WRITE =
      GenAiKeys.keys(
          "gen_ai.usage.cache_creation.input_tokens",
          "gen_ai.usage.cache_write.input_tokens",
          "gen_ai.usage.cache_creation_input_tokens",
          "llm.token_count.prompt_details.cache_write");
  private static final GenAiKeys.Keys REASONING =
      GenAiKeys.keys(
          "gen_ai.usage.reasoning.output_tokens",
          "llm.token_count.completion_details.reasoning",
          "ai.usage.reasoningTokens");
  private static final GenAiKeys.Keys INVOCATION = GenAiKeys.keys("llm.invocation_parameters");
  private static final GenAiKeys.Keys OPENINFERENCE_MODEL = GenAiKeys.keys("llm.model_name");
  private static final GenAiKeys.Keys ERROR_TYPE = GenAiKeys.keys("error.type");
  private static final GenAiKeys.Keys CONVERSATION = GenAiKeys.keys(GenAiKeys.CONVERSATION);
  private static final GenAiKeys.Keys COST = GenAiKeys.keys("llm.cost.total", "gen_ai.usage.cost");

  private LlmCallReader() {}

  /** Adds each of {@code raw} normalised to {@code out}, blanks and repeats left out. */
  private static void addNormalised(List<String> raw, List<String> out) {
    for (int i = 0; i < raw.size(); i++) {
      String r = FinishReasons.normalise(raw.get(i));
      if (!r.isEmpty() && !out.contains(r)) {
        out.add(r);
      }
    }
  }

  private static boolean anyNonBlank(List<String> values) {
    for (int i = 0; i < values.size(); i++) {
      if (!values.get(i).isBlank()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The call span {@code s}, with attributes {@code a}, as an LLM call; {@code loggedInput} and
   * {@code loggedOutput} are its messages sent as log records, used when the span captured none;
   * {@code judge} whether an evaluator or guardrail made the call.
   */
  static LlmCall read(
      SpanView s, SpanAttributes a, String loggedInput, String loggedOutput, boolean judge) {
    boolean vercel = s.name().startsWith("ai.");
    boolean openInference = a.has(GenAiKeys.SPAN_KIND);
    String invocation = a.text(INVOCATION);

    Boolean streaming = a.flag(STREAM);
    if (streaming == null && vercel) {
      streaming = s.name().contains("stream") || s.name().contains("Stream");
    }
    if (streaming == null && !invocation.isEmpty() && STREAM_TRUE.matcher(invocation).find()) {
      streaming = true;
    }

    String requestModel = model(a.text(REQUEST_MODEL));
    String responseModel = model(a.text(RESPONSE_MODEL));
    String openInferenceModel = model(a.text(OPENINFERENCE_MODEL));
    if (openInference && !openInferenceModel.isEmpty()) {
      // OpenInference keeps the requested model in llm.model_name on streams, the answering one
      // otherwise.
      if (Boolean.TRUE.equals(streaming)) {
        requestModel = requestModel.isEmpty() ? openInferenceModel : requestModel;
      } else if (responseModel.isEmpty()) {
        responseModel = openInferenceModel;
      }
    }
    if (requestModel.isEmpty() && !invocation.isEmpty()) {
      Matcher m = MODEL.matcher(invocation);
      requestModel = m.find() ? m.group(1) : "";
    }

    String operation = a.text(OPERATION).toLowerCase(Locale.ROOT);
    if (operation.isEmpty()) {
      String kind = a.text(GenAiKeys.SPAN_KIND);
      operation =
          kind.equalsIgnoreCase("EMBEDDING") || s.name().endsWith(".doEmbed")
              ? "embeddings"
              : "chat";
    }

    // FinishReasons.normaliseAll of the reasons in this order, and a refusal added: distinct, in
    // the order first seen.
    List<String> normalised = new ArrayList<>(2);
    addNormalised(a.list(FINISH_REASONS), normalised);
    addNormalised(a.indexed("gen_ai.completion.", "finish_reason"), normalised);

    MessageText.Read output = CapturedText.output(s, a, loggedOutput);
    addNormalised(output.finishReasons(), normalised);
    // OpenLLMetry writes an OpenAI refusal message as gen_ai.completion.N.refusal (finish reason
    // stop, no content).
    if ((output.refusal() || anyNonBlank(a.indexed("gen_ai.completion.", "refusal")))
        && !normalised.contains(FinishReasons.REFUSAL)) {
      normalised.add(FinishReasons.REFUSAL);
    }

    boolean error = s.statusCode() == Status.StatusCode.STATUS_CODE_ERROR;
    String errorType = a.text(ERROR_TYPE);
    if (errorType.isEmpty() && error) {
      errorType = s.proto().getStatus().getMessage();
    }
    CapturedPrompt request = CapturedText.request(s, a, loggedInput);
    Long attempt = a.whole(ATTEMPT);

    Long inputTokens = a.whole(INPUT_TOKENS);
    Long outputTokens = a.whole(OUTPUT_TOKENS);
    if (Long.valueOf(0).equals(inputTokens) && Long.valueOf(0).equals(outputTokens)) {
      // Spring AI writes 0 and 0 for a stream that carried no usage (stream usage is off by
      // default, and a cut stream never sends it); no call reads zero input tokens.
      inputTokens = null;
      outputTokens = null;
    }

    return new LlmCall(
        s.spanIdHex(),
        s.name(),
        provider(a.text(PROVIDER)),
        requestModel,
        responseModel,
        operation,
        streaming,
        List.copyOf(normalised),
        inputTokens,
        outputTokens,
        a.whole(CACHE_READ),
        a.whole(CACHE_WRITE),
        a.whole(REASONING),
        a.number(COST),
        errorType,
        error,
        s.proto().getEndTimeUnixNano() != 0,
        attempt == null ? null : (int) Math.min(Integer.MAX_VALUE, Math.max(0, attempt)),
        a.text(CONVERSATION),
        request,
        output.text(),
        s.startEpochNanos(),
        s.endEpochNanos(),
        judge);
  }

  /** {@code "openai.chat"} → {@code openai}; see {@link LlmProviders}. */
  static String provider(String raw) {
    return LlmProviders.normalise(raw);
  }

  /** Spring AI writes {@code "none"} for an unknown model. */
  private static String model(String raw) {
    return raw.equalsIgnoreCase("none") || raw.equalsIgnoreCase("null") ? "" : raw;
  }
}
