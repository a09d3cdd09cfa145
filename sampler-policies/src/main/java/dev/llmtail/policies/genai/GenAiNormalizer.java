package dev.llmtail.policies.genai;

import dev.llmtail.core.Evaluation;
import dev.llmtail.core.GenAiFacts;
import dev.llmtail.core.GenAiReader;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads every LLM call and evaluation result in a trace into one model, whatever the dialect:
 * OpenTelemetry GenAI (current and older names), OpenInference, OpenLLMetry/Traceloop (legacy and
 * current), the Vercel AI SDK's {@code ai.*} spans and Spring AI's all-string values (see {@code
 * genai-dialects.md}). Non-LLM spans are left alone.
 *
 * <p>Which spans are calls: spans of an LLM operation ({@code chat}, {@code text_completion},
 * {@code generate_content}, {@code embeddings}), OpenInference {@code LLM}/{@code EMBEDDING} spans,
 * Traceloop spans with {@code llm.request.type}, and the AI SDK's per-provider-call {@code
 * doGenerate}/{@code doStream} spans. Wrappers — the AI SDK's outer {@code ai.streamText} and
 * friends, and {@code invoke_agent} spans naming a model — count as a call only when no call span
 * below them arrived: that is how an aborted stream whose inner span never ended still shows up.
 *
 * <p>A value of the wrong type is ignored and counted in {@code llmtail.genai.values.ignored{key}};
 * reading never throws. Thread-safe.
 */
public final class GenAiNormalizer implements GenAiReader {

  private static final Set<String> CALL_OPERATIONS =
      Set.of(
          "chat", "text_completion", "generate_content", "embeddings", "completion", "responses");
  private static final Set<String> WRAPPER_OPERATIONS = Set.of("invoke_agent");
  private static final Set<String> VERCEL_WRAPPERS =
      Set.of("ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject");
  private static final int MAX_ANCESTRY = 64;
  private static final HexFormat HEX = HexFormat.of();
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final MeterRegistry meters;
  private final Map<String, Counter> ignored = new ConcurrentHashMap<>();

  public GenAiNormalizer(MeterRegistry meters) {
    this.meters = meters;
  }

  private enum Role {
    CALL,
    WRAPPER,
    NONE
  }

  @Override
  public GenAiFacts read(TraceView trace) {
    List<SpanView> spans = trace.spans();
    Map<String, SpanAttributes> attributes = new HashMap<>();
    Map<String, Role> roles = new HashMap<>();
    Map<String, String> parents = new HashMap<>();
    for (SpanView s : spans) {
      SpanAttributes a = new SpanAttributes(s.proto().getAttributesList(), this::countIgnored);
      attributes.put(s.spanIdHex(), a);
      roles.put(s.spanIdHex(), roleOf(s, a));
      if (!s.isRoot()) {
        parents.put(s.spanIdHex(), HEX.formatHex(s.proto().getParentSpanId().toByteArray()));
      }
    }
    Set<String> aboveACall = new HashSet<>();
    for (Map.Entry<String, Role> e : roles.entrySet()) {
      if (e.getValue() == Role.CALL) {
        String p = parents.get(e.getKey());
        for (int depth = 0; p != null && depth < MAX_ANCESTRY && aboveACall.add(p); depth++) {
          p = parents.get(p);
        }
      }
    }
    List<Evaluation> evaluations = new ArrayList<>();
    Map<String, String> loggedOutput = new HashMap<>();
    Map<String, String> loggedInput = new HashMap<>();
    readLogEvents(trace, evaluations, loggedInput, loggedOutput);
    List<LlmCall> calls = new ArrayList<>();
    for (SpanView s : spans) {
      String id = s.spanIdHex();
      SpanAttributes a = attributes.get(id);
      Role role = roles.get(id);
      if (role == Role.CALL || (role == Role.WRAPPER && !aboveACall.contains(id))) {
        calls.add(call(s, a, loggedInput.getOrDefault(id, ""), loggedOutput.getOrDefault(id, "")));
      }
      readEvaluations(s, a, evaluations);
    }
    return new GenAiFacts(calls, evaluations);
  }

  private static Role roleOf(SpanView s, SpanAttributes a) {
    String name = s.name();
    if (name.startsWith("ai.")) {
      if (name.endsWith(".doGenerate") || name.endsWith(".doStream") || name.endsWith(".doEmbed")) {
        return Role.CALL;
      }
      if (VERCEL_WRAPPERS.contains(name)) {
        return Role.WRAPPER;
      }
    }
    String kind = a.text("openinference.span.kind").toUpperCase(Locale.ROOT);
    if (!kind.isEmpty()) {
      return kind.equals("LLM") || kind.equals("EMBEDDING") ? Role.CALL : Role.NONE;
    }
    String operation = a.text("gen_ai.operation.name").toLowerCase(Locale.ROOT);
    if (CALL_OPERATIONS.contains(operation)) {
      return Role.CALL;
    }
    if (WRAPPER_OPERATIONS.contains(operation)) {
      return a.has("gen_ai.request.model") || a.has("gen_ai.response.model")
          ? Role.WRAPPER
          : Role.NONE;
    }
    if (!operation.isEmpty()) {
      return Role.NONE; // execute_tool, retrieval, create_agent, …
    }
    if (a.has("llm.request.type")) {
      return Role.CALL;
    }
    if ((a.has("gen_ai.system") || a.has("gen_ai.provider.name"))
        && (a.has("gen_ai.request.model") || a.has("gen_ai.response.model"))) {
      return Role.CALL;
    }
    return Role.NONE;
  }

  /**
   * GenAI events arrive as log records: evaluation results, and (in older convention versions) the
   * messages of a call, {@code gen_ai.user.message} and {@code gen_ai.choice}, keyed by the span id
   * of the call they belong to.
   */
  private void readLogEvents(
      TraceView trace,
      List<Evaluation> evaluations,
      Map<String, String> input,
      Map<String, String> output) {
    for (ResourceLogs rl : trace.logs()) {
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        for (LogRecord record : sl.getLogRecordsList()) {
          SpanAttributes a = new SpanAttributes(record.getAttributesList(), this::countIgnored);
          String event =
              record.getEventName().isEmpty() ? a.text("event.name") : record.getEventName();
          String spanId = HEX.formatHex(record.getSpanId().toByteArray());
          switch (event) {
            case "gen_ai.evaluation.result" -> evaluations.add(otelEvaluation(spanId, a));
            case "gen_ai.choice" ->
                output.merge(spanId, AnyValues.toJson(record.getBody()), (x, y) -> x + "\n" + y);
            case "gen_ai.user.message", "gen_ai.system.message", "gen_ai.assistant.message" -> {
              String role =
                  event.substring("gen_ai.".length(), event.length() - ".message".length());
              String message =
                  "{\"role\":\"" + role + "\",\"body\":" + AnyValues.toJson(record.getBody()) + "}";
              input.merge(
                  spanId,
                  "[" + message + "]",
                  (x, y) -> x.substring(0, x.length() - 1) + "," + y.substring(1));
            }
            default -> {}
          }
        }
      }
    }
  }

  private LlmCall call(SpanView s, SpanAttributes a, String loggedInput, String loggedOutput) {
    boolean vercel = s.name().startsWith("ai.");
    boolean openInference = a.has("openinference.span.kind");
    String invocation = a.text("llm.invocation_parameters");

    Boolean streaming = a.flag("gen_ai.request.stream", "llm.is_streaming", "gen_ai.is_streaming");
    if (streaming == null && vercel) {
      streaming = s.name().contains("stream") || s.name().contains("Stream");
    }
    if (streaming == null && invocation.matches("(?s).*\"stream\"\\s*:\\s*true.*")) {
      streaming = true;
    }

    String requestModel =
        model(a.text("gen_ai.request.model", "llm.request.model_name", "ai.model.id"));
    String responseModel =
        model(a.text("gen_ai.response.model", "llm.response.model_name", "ai.response.model"));
    String openInferenceModel = model(a.text("llm.model_name"));
    if (openInference && !openInferenceModel.isEmpty()) {
      // OpenInference keeps the requested model in llm.model_name on streams, the answering one
      // otherwise.
      if (Boolean.TRUE.equals(streaming)) {
        requestModel = requestModel.isEmpty() ? openInferenceModel : requestModel;
      } else if (responseModel.isEmpty()) {
        responseModel = openInferenceModel;
      }
    }
    if (requestModel.isEmpty()) {
      requestModel = jsonString(invocation, "model");
    }

    String operation = a.text("gen_ai.operation.name", "llm.request.type").toLowerCase(Locale.ROOT);
    if (operation.isEmpty()) {
      String kind = a.text("openinference.span.kind");
      operation =
          kind.equalsIgnoreCase("EMBEDDING") || s.name().endsWith(".doEmbed")
              ? "embeddings"
              : "chat";
    }

    List<String> reasons = new ArrayList<>();
    reasons.addAll(
        a.list("gen_ai.response.finish_reasons", "llm.finish_reason", "ai.response.finishReason"));
    reasons.addAll(a.indexed("gen_ai.completion.", "finish_reason"));

    String capturedOutput = outputCapture(s, a);
    MessageText.Read output =
        MessageText.read(capturedOutput.isEmpty() ? loggedOutput : capturedOutput);
    reasons.addAll(output.finishReasons());
    LinkedHashSet<String> normalised = new LinkedHashSet<>(FinishReasons.normaliseAll(reasons));
    if (output.refusal()) {
      normalised.add(FinishReasons.REFUSAL);
    }

    boolean error = s.statusCode() == Status.StatusCode.STATUS_CODE_ERROR;
    String errorType = a.text("error.type");
    if (errorType.isEmpty() && error) {
      errorType = s.proto().getStatus().getMessage();
    }
    Long attempt =
        a.whole("http.request.resend_count", "gen_ai.request.attempt", "llm.request.attempt");

    return new LlmCall(
        s.spanIdHex(),
        s.name(),
        provider(
            a.text(
                "gen_ai.provider.name",
                "gen_ai.system",
                "llm.provider",
                "llm.system",
                "ai.model.provider")),
        requestModel,
        responseModel,
        operation,
        streaming,
        List.copyOf(normalised),
        a.whole(
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.prompt_tokens",
            "llm.token_count.prompt",
            "ai.usage.inputTokens",
            "ai.usage.promptTokens"),
        a.whole(
            "gen_ai.usage.output_tokens",
            "gen_ai.usage.completion_tokens",
            "llm.token_count.completion",
            "ai.usage.outputTokens",
            "ai.usage.completionTokens"),
        a.whole(
            "gen_ai.usage.cache_read.input_tokens",
            "gen_ai.usage.cache_read_input_tokens",
            "llm.token_count.prompt_details.cache_read",
            "ai.usage.cachedInputTokens",
            "ai.usage.inputTokenDetails.cacheReadTokens"),
        a.whole(
            "gen_ai.usage.cache_creation.input_tokens",
            "gen_ai.usage.cache_write.input_tokens",
            "gen_ai.usage.cache_creation_input_tokens",
            "llm.token_count.prompt_details.cache_write"),
        a.whole(
            "gen_ai.usage.reasoning.output_tokens",
            "llm.token_count.completion_details.reasoning",
            "ai.usage.reasoningTokens"),
        a.number("llm.cost.total", "gen_ai.usage.cost"),
        errorType,
        error,
        s.proto().getEndTimeUnixNano() != 0,
        attempt == null ? null : (int) Math.min(Integer.MAX_VALUE, Math.max(0, attempt)),
        a.text(
            "gen_ai.conversation.id",
            "session.id",
            "traceloop.association.properties.session_id",
            "traceloop.association.properties.conversation_id",
            "traceloop.association.properties.thread_id",
            "ai.telemetry.metadata.sessionId",
            "ai.telemetry.metadata.conversationId",
            "ai.telemetry.metadata.threadId"),
        MessageText.cap(inputCapture(s, a).isEmpty() ? loggedInput : inputCapture(s, a)),
        output.text(),
        s.startEpochNanos(),
        s.endEpochNanos());
  }

  private static String inputCapture(SpanView s, SpanAttributes a) {
    String direct =
        a.text(
            "gen_ai.input.messages",
            "input.value",
            "ai.prompt.messages",
            "ai.prompt",
            "gen_ai.prompt");
    if (!direct.isEmpty()) {
      return direct;
    }
    String flat = flattenedMessages(a, "gen_ai.prompt.", "role", "content");
    if (flat.isEmpty()) {
      flat = flattenedMessages(a, "llm.input_messages.", "message.role", "message.content");
    }
    return flat.isEmpty() ? eventAttribute(s, "gen_ai.content.prompt", "gen_ai.prompt") : flat;
  }

  /**
   * Flattened messages ({@code prefix.N.role}, {@code prefix.N.content}) as one JSON array, so that
   * roles survive for later checks (e.g. whether an earlier assistant turn was sent).
   */
  private static String flattenedMessages(
      SpanAttributes a, String prefix, String roleKey, String contentKey) {
    List<String> contents = a.indexed(prefix, contentKey);
    if (contents.isEmpty()) {
      return "";
    }
    List<String> roles = a.indexed(prefix, roleKey);
    com.fasterxml.jackson.databind.node.ArrayNode messages = JSON.createArrayNode();
    for (int i = 0; i < contents.size(); i++) {
      messages
          .addObject()
          .put("role", i < roles.size() ? roles.get(i) : "user")
          .put("content", contents.get(i));
    }
    return messages.toString();
  }

  private static String outputCapture(SpanView s, SpanAttributes a) {
    String direct =
        a.text("gen_ai.output.messages", "output.value", "ai.response.text", "gen_ai.completion");
    if (!direct.isEmpty()) {
      return direct;
    }
    List<String> flat = a.indexed("gen_ai.completion.", "content");
    if (flat.isEmpty()) {
      flat = a.indexed("llm.output_messages.", "message.content");
    }
    return flat.isEmpty()
        ? eventAttribute(s, "gen_ai.content.completion", "gen_ai.completion")
        : String.join("\n", flat);
  }

  private static String eventAttribute(SpanView s, String eventName, String key) {
    for (Span.Event event : s.proto().getEventsList()) {
      if (event.getName().equals(eventName)) {
        String v = new SpanAttributes(event.getAttributesList(), k -> {}).text(key);
        if (!v.isEmpty()) {
          return v;
        }
      }
    }
    return "";
  }

  private void readEvaluations(SpanView s, SpanAttributes a, List<Evaluation> out) {
    String id = s.spanIdHex();
    String judged =
        s.proto().getLinksCount() > 0
            ? HEX.formatHex(s.proto().getLinks(0).getSpanId().toByteArray())
            : id;
    for (Span.Event event : s.proto().getEventsList()) {
      if (event.getName().equals("gen_ai.evaluation.result")) {
        out.add(
            otelEvaluation(id, new SpanAttributes(event.getAttributesList(), this::countIgnored)));
      }
    }
    if (a.has("gen_ai.evaluation.name") || a.has("gen_ai.evaluation.score.label")) {
      out.add(otelEvaluation(judged, a));
    }
    for (int i : a.indexes("evaluations.")) {
      String p = "evaluations." + i + ".evaluation.";
      out.add(
          new Evaluation(
              judged,
              a.text(p + "name"),
              a.text(p + "label"),
              a.number(p + "score"),
              a.text(p + "explanation"),
              "evaluation"));
    }
    for (int i : a.indexes("annotations.")) {
      String p = "annotations." + i + ".annotation.";
      String source =
          a.text(p + "annotator_kind").equalsIgnoreCase("HUMAN") ? "feedback" : "evaluation";
      out.add(
          new Evaluation(
              judged,
              a.text(p + "name"),
              a.text(p + "label"),
              a.number(p + "score"),
              a.text(p + "explanation"),
              source));
    }
    if (a.has("gen_ai.guardrail.result.type") || a.has("gen_ai.guardrail.result.value")) {
      out.add(
          new Evaluation(
              id,
              a.text("gen_ai.guardrail.risk.category", "gen_ai.guardrail.name"),
              a.text("gen_ai.guardrail.result.type", "gen_ai.guardrail.result.value"),
              a.number("gen_ai.guardrail.risk.score"),
              "",
              "guardrail"));
    }
  }

  /**
   * A {@code gen_ai.evaluation.*} result from span or event attributes (also used for log records).
   */
  static Evaluation otelEvaluation(String spanId, SpanAttributes a) {
    return new Evaluation(
        spanId,
        a.text("gen_ai.evaluation.name"),
        a.text("gen_ai.evaluation.score.label"),
        a.number("gen_ai.evaluation.score.value"),
        a.text("gen_ai.evaluation.explanation"),
        "evaluation");
  }

  /** {@code "openai.chat"} → {@code openai}; Gemini and Vertex → {@code google}. */
  static String provider(String raw) {
    String p = raw.toLowerCase(Locale.ROOT);
    if (p.isEmpty()) {
      return "";
    }
    if (p.startsWith("az.ai.") || p.startsWith("azure")) {
      return "azure.openai";
    }
    if (p.startsWith("aws.bedrock") || p.startsWith("amazon-bedrock") || p.startsWith("bedrock")) {
      return "aws.bedrock";
    }
    if (p.startsWith("gcp.")
        || p.startsWith("google")
        || p.startsWith("vertex")
        || p.startsWith("gemini")) {
      return "google";
    }
    int dot = p.indexOf('.');
    return dot > 0 ? p.substring(0, dot) : p;
  }

  /** Spring AI writes {@code "none"} for an unknown model. */
  private static String model(String raw) {
    return raw.equalsIgnoreCase("none") || raw.equalsIgnoreCase("null") ? "" : raw;
  }

  private static String jsonString(String json, String key) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"" + key + "\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
    return m.find() ? m.group(1) : "";
  }

  private void countIgnored(String key) {
    ignored
        .computeIfAbsent(
            key,
            k ->
                Counter.builder("llmtail.genai.values.ignored")
                    .description("GenAI attribute values that could not be read and were ignored")
                    .tag("key", k.replaceAll("\\.\\d+\\.", ".N."))
                    .register(meters))
        .increment();
  }
}
