package dev.llmtail.policies.genai;

import dev.llmtail.core.SpanView;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which spans of a trace are LLM calls, whatever the dialect: spans of an LLM operation ({@code
 * chat}, {@code text_completion}, {@code generate_content}, {@code embeddings}…), OpenInference
 * {@code LLM}/{@code EMBEDDING} spans, Traceloop spans with {@code llm.request.type}, and the AI
 * SDK's per-provider-call {@code doGenerate}/{@code doStream} spans. Wrappers — the AI SDK's outer
 * {@code ai.streamText} and friends, and {@code invoke_agent} spans naming a model — count as a
 * call only when no call span below them arrived: that is how an aborted stream whose inner span
 * never ended still shows up.
 */
final class CallSpans {

  private static final Set<String> CALL_OPERATIONS =
      Set.of(
          "chat", "text_completion", "generate_content", "embeddings", "completion", "responses");
  private static final Set<String> WRAPPER_OPERATIONS = Set.of("invoke_agent");
  private static final Set<String> VERCEL_WRAPPERS =
      Set.of("ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject");
  private static final int MAX_ANCESTRY = 64;
  private static final GenAiKeys.Keys REQUEST_TYPE = GenAiKeys.keys("llm.request.type");
  private static final GenAiKeys.Keys PROVIDER =
      GenAiKeys.keys("gen_ai.system", "gen_ai.provider.name");

  enum Role {
    CALL,
    WRAPPER,
    NONE
  }

  private CallSpans() {}

  /** Per span of {@code spans}, whether it is a call (spans sharing an id all are, or none). */
  static boolean[] of(TraceSpans spans) {
    int n = spans.size();
    Role[] roles = new Role[n];
    boolean anyCall = false;
    boolean anyWrapper = false;
    for (int i = 0; i < n; i++) {
      SpanAttributes a = spans.attributes(i);
      roles[i] = a == null ? Role.NONE : roleOf(spans.speaker(i), a);
      anyCall |= roles[i] == Role.CALL;
      anyWrapper |= roles[i] == Role.WRAPPER;
    }
    // Only a wrapper asks whether a call arrived below it.
    @Nullable Set<String> aboveACall = anyCall && anyWrapper ? aboveACall(spans, roles) : null;
    boolean[] calls = new boolean[n];
    for (int i = 0; i < n; i++) {
      calls[i] =
          roles[i] == Role.CALL
              || (roles[i] == Role.WRAPPER
                  && (aboveACall == null || !aboveACall.contains(spans.span(i).spanIdHex())));
    }
    return calls;
  }

  /**
   * The ids of the spans above a call. Walked from each call in the order of a hash map of every
   * span's role, as before there was a fast path: where a walk stops at {@link #MAX_ANCESTRY}, the
   * order decides what a later walk adds.
   */
  private static Set<String> aboveACall(TraceSpans spans, Role[] roles) {
    Map<String, Role> byId = new HashMap<>();
    for (int i = 0; i < roles.length; i++) {
      byId.put(spans.span(i).spanIdHex(), roles[i]);
    }
    Set<String> above = new HashSet<>();
    for (Map.Entry<String, Role> e : byId.entrySet()) {
      if (e.getValue() == Role.CALL) {
        String p = spans.parentOf(e.getKey());
        for (int depth = 0; p != null && depth < MAX_ANCESTRY && above.add(p); depth++) {
          p = spans.parentOf(p);
        }
      }
    }
    return above;
  }

  static Role roleOf(SpanView s, SpanAttributes a) {
    String name = s.name();
    if (name.startsWith("ai.")) {
      if (name.endsWith(".doGenerate") || name.endsWith(".doStream") || name.endsWith(".doEmbed")) {
        return Role.CALL;
      }
      if (VERCEL_WRAPPERS.contains(name)) {
        return Role.WRAPPER;
      }
    }
    String kind = a.text(GenAiKeys.SPAN_KIND).toUpperCase(Locale.ROOT);
    if (!kind.isEmpty()) {
      return kind.equals("LLM") || kind.equals("EMBEDDING") ? Role.CALL : Role.NONE;
    }
    String operation = a.text(GenAiKeys.OPERATION_NAME).toLowerCase(Locale.ROOT);
    if (CALL_OPERATIONS.contains(operation)) {
      return Role.CALL;
    }
    if (WRAPPER_OPERATIONS.contains(operation)) {
      return a.has(GenAiKeys.MODELS) ? Role.WRAPPER : Role.NONE;
    }
    if (!operation.isEmpty()) {
      return Role.NONE; // execute_tool, retrieval, create_agent, …
    }
    if (a.has(REQUEST_TYPE)) {
      return Role.CALL;
    }
    if (a.has(PROVIDER) && a.has(GenAiKeys.MODELS)) {
      return Role.CALL;
    }
    return Role.NONE;
  }
}
