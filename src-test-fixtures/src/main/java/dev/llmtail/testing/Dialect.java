package dev.llmtail.testing;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How each instrumentation writes an LLM call into span attributes (names and value shapes from
 * {@code genai-dialects.md}). {@link #write} adds the call's span (and, where the dialect has them,
 * wrapper spans) under {@code parent}.
 */
public enum Dialect {
  /** OpenTelemetry GenAI semantic conventions, current names. */
  OTEL_GENAI(true, true, true, true),
  /** OpenTelemetry GenAI, older names: gen_ai.system, prompt/completion tokens, content events. */
  OTEL_GENAI_LEGACY(true, true, true, true),
  /** Arize OpenInference. */
  OPENINFERENCE(true, true, true, true),
  /** OpenLLMetry / Traceloop, legacy flattened attributes. */
  TRACELOOP_LEGACY(true, true, true, true),
  /** Vercel AI SDK (v5) built-in telemetry: ai.streamText → ai.streamText.doStream. */
  VERCEL_AI_SDK(true, true, true, true),
  /** Spring AI observations: OpenTelemetry names, every value a string. */
  SPRING_AI(false, false, false, true);

  private final boolean streaming;
  private final boolean content;
  private final boolean conversation;
  private final boolean cache;

  Dialect(boolean streaming, boolean content, boolean conversation, boolean cache) {
    this.streaming = streaming;
    this.content = content;
    this.conversation = conversation;
    this.cache = cache;
  }

  /** Whether the dialect marks streamed calls. */
  public boolean expressesStreaming() {
    return streaming;
  }

  /** Whether the dialect captures prompt and output text. */
  public boolean expressesContent() {
    return content;
  }

  /** Whether the dialect carries a conversation or session id. */
  public boolean expressesConversation() {
    return conversation;
  }

  /** Whether the dialect reports prompt-cache tokens. */
  public boolean expressesCache() {
    return cache;
  }

  /** Adds the LLM call under {@code parent}; returns the span the call is read from. */
  public TraceBuilder.SpanBuilder write(TraceBuilder.SpanBuilder parent, LlmCallSpec c) {
    return switch (this) {
      case OTEL_GENAI -> otel(parent, c, false);
      case OTEL_GENAI_LEGACY -> otel(parent, c, true);
      case OPENINFERENCE -> openInference(parent, c);
      case TRACELOOP_LEGACY -> traceloop(parent, c);
      case VERCEL_AI_SDK -> vercel(parent, c);
      case SPRING_AI -> spring(parent, c);
    };
  }

  private static TraceBuilder.SpanBuilder span(
      TraceBuilder.SpanBuilder parent, String name, LlmCallSpec c) {
    TraceBuilder.SpanBuilder s =
        parent.child(name).startMillis(c.startMillis).durationMillis(c.durationMillis);
    if (!c.ended) {
      s.unended();
    }
    if (c.error != null) {
      s.error(c.error).attribute("error.type", c.error);
    }
    c.extra.forEach((k, v) -> put(s, k, v));
    return s;
  }

  private static void put(TraceBuilder.SpanBuilder s, String key, Object v) {
    if (v instanceof Long || v instanceof Integer) {
      s.attribute(key, ((Number) v).longValue());
    } else if (v instanceof Double d) {
      s.attribute(key, d);
    } else if (v instanceof Boolean b) {
      s.attribute(key, b);
    } else if (v != null) {
      s.attribute(key, v.toString());
    }
  }

  private static String inputJson(LlmCallSpec c) {
    StringBuilder b = new StringBuilder("[");
    for (String answer : c.earlierTurns) {
      b.append(
          "{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"earlier question\"}]},");
      b.append("{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":")
          .append(quote(answer))
          .append("}]},");
    }
    return b.append("{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":")
        .append(quote(c.userPrompt))
        .append("}]}]")
        .toString();
  }

  private static String openAiMessagesJson(LlmCallSpec c) {
    StringBuilder b = new StringBuilder("[");
    for (String answer : c.earlierTurns) {
      b.append(
              "{\"role\":\"user\",\"content\":\"earlier question\"},{\"role\":\"assistant\",\"content\":")
          .append(quote(answer))
          .append("},");
    }
    return b.append("{\"role\":\"user\",\"content\":")
        .append(quote(c.userPrompt))
        .append("}]")
        .toString();
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static TraceBuilder.SpanBuilder otel(
      TraceBuilder.SpanBuilder parent, LlmCallSpec c, boolean legacy) {
    TraceBuilder.SpanBuilder s = span(parent, "chat " + c.requestModel, c);
    s.attribute("gen_ai.operation.name", "chat");
    s.attribute(legacy ? "gen_ai.system" : "gen_ai.provider.name", c.provider);
    s.attribute("gen_ai.request.model", c.requestModel);
    if (c.responseModel != null && c.ended) {
      s.attribute("gen_ai.response.model", c.responseModel);
    }
    if (c.streaming) {
      s.attribute("gen_ai.request.stream", true);
    }
    if (c.ended && c.finishReason != null) {
      s.attribute("gen_ai.response.finish_reasons", List.of(c.finishReason));
    }
    if (c.inputTokens != null) {
      s.attribute(
          legacy ? "gen_ai.usage.prompt_tokens" : "gen_ai.usage.input_tokens", c.inputTokens);
    }
    if (c.outputTokens != null) {
      s.attribute(
          legacy ? "gen_ai.usage.completion_tokens" : "gen_ai.usage.output_tokens", c.outputTokens);
    }
    if (c.cacheReadTokens != null) {
      s.attribute(
          legacy ? "gen_ai.usage.cache_read_input_tokens" : "gen_ai.usage.cache_read.input_tokens",
          c.cacheReadTokens);
    }
    if (c.cacheWriteTokens != null) {
      s.attribute(
          legacy
              ? "gen_ai.usage.cache_creation_input_tokens"
              : "gen_ai.usage.cache_creation.input_tokens",
          c.cacheWriteTokens);
    }
    if (c.conversationId != null) {
      s.attribute("gen_ai.conversation.id", c.conversationId);
    }
    if (legacy) {
      s.event("gen_ai.content.prompt", "gen_ai.prompt", openAiMessagesJson(c));
      String completion =
          c.refusalField
              ? "[{\"role\":\"assistant\",\"content\":null,\"refusal\":" + quote(c.output) + "}]"
              : "[{\"role\":\"assistant\",\"content\":" + quote(c.output) + "}]";
      s.event("gen_ai.content.completion", "gen_ai.completion", completion);
    } else {
      s.attribute("gen_ai.input.messages", inputJson(c));
      String part =
          c.refusalField
              ? "{\"type\":\"refusal\",\"content\":" + quote(c.output) + "}"
              : "{\"type\":\"text\",\"content\":" + quote(c.output) + "}";
      s.attribute(
          "gen_ai.output.messages",
          "[{\"role\":\"assistant\",\"parts\":["
              + part
              + "]"
              + (c.finishReason == null ? "" : ",\"finish_reason\":" + quote(c.finishReason))
              + "}]");
    }
    if (c.costUsd != null) {
      s.attribute("gen_ai.usage.cost", c.costUsd);
    }
    return s;
  }

  private static TraceBuilder.SpanBuilder openInference(
      TraceBuilder.SpanBuilder parent, LlmCallSpec c) {
    TraceBuilder.SpanBuilder s = span(parent, "ChatCompletion", c);
    s.attribute("openinference.span.kind", "LLM");
    s.attribute("llm.provider", c.provider);
    s.attribute("llm.system", c.provider);
    // On streams OpenInference keeps the requested model in llm.model_name; otherwise the answering
    // one.
    s.attribute(
        "llm.model_name",
        c.streaming || c.responseModel == null ? c.requestModel : c.responseModel);
    s.attribute(
        "llm.invocation_parameters",
        "{\"model\":" + quote(c.requestModel) + (c.streaming ? ",\"stream\":true" : "") + "}");
    if (c.inputTokens != null) {
      s.attribute("llm.token_count.prompt", c.inputTokens);
    }
    if (c.outputTokens != null) {
      s.attribute("llm.token_count.completion", c.outputTokens);
    }
    if (c.cacheReadTokens != null) {
      s.attribute("llm.token_count.prompt_details.cache_read", c.cacheReadTokens);
    }
    if (c.cacheWriteTokens != null) {
      s.attribute("llm.token_count.prompt_details.cache_write", c.cacheWriteTokens);
    }
    if (c.costUsd != null) {
      s.attribute("llm.cost.total", c.costUsd);
    }
    if (c.conversationId != null) {
      s.attribute("session.id", c.conversationId);
    }
    s.attribute("input.value", "{\"messages\":" + openAiMessagesJson(c) + "}");
    if (c.ended) {
      String message =
          c.refusalField
              ? "{\"role\":\"assistant\",\"content\":null,\"refusal\":" + quote(c.output) + "}"
              : "{\"role\":\"assistant\",\"content\":" + quote(c.output) + "}";
      s.attribute(
          "output.value",
          "{\"model\":"
              + quote(String.valueOf(c.responseModel))
              + ",\"choices\":[{\"message\":"
              + message
              + (c.finishReason == null ? "" : ",\"finish_reason\":" + quote(c.finishReason))
              + "}]}");
      s.attribute("llm.output_messages.0.message.role", "assistant");
    }
    return s;
  }

  private static TraceBuilder.SpanBuilder traceloop(
      TraceBuilder.SpanBuilder parent, LlmCallSpec c) {
    TraceBuilder.SpanBuilder s = span(parent, c.provider + ".chat", c);
    s.attribute("gen_ai.system", c.provider.equals("openai") ? "OpenAI" : c.provider);
    s.attribute("llm.request.type", "chat");
    s.attribute("gen_ai.request.model", c.requestModel);
    if (c.responseModel != null && c.ended) {
      s.attribute("gen_ai.response.model", c.responseModel);
    }
    s.attribute("llm.is_streaming", c.streaming);
    if (c.inputTokens != null) {
      s.attribute("gen_ai.usage.prompt_tokens", c.inputTokens);
    }
    if (c.outputTokens != null) {
      s.attribute("gen_ai.usage.completion_tokens", c.outputTokens);
    }
    if (c.cacheReadTokens != null) {
      s.attribute("gen_ai.usage.cache_read_input_tokens", c.cacheReadTokens);
    }
    if (c.conversationId != null) {
      s.attribute("traceloop.association.properties.session_id", c.conversationId);
    }
    int i = 0;
    for (String answer : c.earlierTurns) {
      s.attribute("gen_ai.prompt." + i + ".role", "user")
          .attribute("gen_ai.prompt." + i++ + ".content", "earlier question");
      s.attribute("gen_ai.prompt." + i + ".role", "assistant")
          .attribute("gen_ai.prompt." + i++ + ".content", answer);
    }
    s.attribute("gen_ai.prompt." + i + ".role", "user")
        .attribute("gen_ai.prompt." + i + ".content", c.userPrompt);
    if (c.ended) {
      s.attribute("gen_ai.completion.0.role", "assistant");
      s.attribute(
          c.refusalField ? "gen_ai.completion.0.refusal" : "gen_ai.completion.0.content", c.output);
      if (c.refusalField) {
        s.attribute(
            "gen_ai.completion.0.content",
            "[{\"type\":\"refusal\",\"refusal\":" + quote(c.output) + "}]");
      }
      if (c.finishReason != null) {
        s.attribute("gen_ai.completion.0.finish_reason", c.finishReason);
      }
    }
    return s;
  }

  private static TraceBuilder.SpanBuilder vercel(TraceBuilder.SpanBuilder parent, LlmCallSpec c) {
    String op = c.streaming ? "ai.streamText" : "ai.generateText";
    TraceBuilder.SpanBuilder outer =
        parent.child(op).startMillis(c.startMillis).durationMillis(c.durationMillis);
    outer
        .attribute("ai.model.id", c.requestModel)
        .attribute("ai.model.provider", c.provider + ".chat");
    if (c.conversationId != null) {
      outer.attribute("ai.telemetry.metadata.sessionId", c.conversationId);
    }
    if (!c.ended) {
      // v6 on abort: doStream never ends (never exported); the outer span ends without finish
      // reason or usage.
      outer.attribute("ai.prompt.messages", openAiMessagesJson(c));
      return outer;
    }
    TraceBuilder.SpanBuilder s = span(outer, op + (c.streaming ? ".doStream" : ".doGenerate"), c);
    s.attribute("ai.model.id", c.requestModel).attribute("ai.model.provider", c.provider + ".chat");
    if (c.responseModel != null) {
      s.attribute("ai.response.model", c.responseModel);
    }
    if (c.finishReason != null) {
      s.attribute("ai.response.finishReason", c.finishReason.replace('_', '-'));
    }
    if (c.inputTokens != null) {
      s.attribute("ai.usage.inputTokens", c.inputTokens);
    }
    if (c.outputTokens != null) {
      s.attribute("ai.usage.outputTokens", c.outputTokens);
    }
    if (c.cacheReadTokens != null) {
      s.attribute("ai.usage.cachedInputTokens", c.cacheReadTokens);
    }
    if (c.conversationId != null) {
      s.attribute("ai.telemetry.metadata.sessionId", c.conversationId);
    }
    s.attribute("ai.prompt.messages", openAiMessagesJson(c));
    s.attribute("ai.response.text", c.output);
    return s;
  }

  private static TraceBuilder.SpanBuilder spring(TraceBuilder.SpanBuilder parent, LlmCallSpec c) {
    TraceBuilder.SpanBuilder s = span(parent, "chat " + c.requestModel, c);
    s.attribute("gen_ai.operation.name", "chat");
    s.attribute("gen_ai.system", c.provider);
    s.attribute("gen_ai.request.model", c.requestModel);
    s.attribute(
        "gen_ai.response.model", c.responseModel == null || !c.ended ? "none" : c.responseModel);
    if (c.ended && c.finishReason != null) {
      s.attribute(
          "gen_ai.response.finish_reasons", "[" + c.finishReason.toUpperCase(Locale.ROOT) + "]");
    }
    Map<String, @Nullable Long> usage = new java.util.LinkedHashMap<>();
    usage.put("gen_ai.usage.input_tokens", c.inputTokens);
    usage.put("gen_ai.usage.output_tokens", c.outputTokens);
    usage.put("gen_ai.usage.cache_read.input_tokens", c.cacheReadTokens);
    for (Map.Entry<String, @Nullable Long> e : usage.entrySet()) {
      if (e.getValue() != null) {
        s.attribute(e.getKey(), Long.toString(e.getValue()));
      }
    }
    return s;
  }
}
