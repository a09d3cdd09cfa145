package dev.llmtail.policies.genai;

import dev.llmtail.core.SpanView;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
  private static final HexFormat HEX = HexFormat.of();

  private enum Role {
    CALL,
    WRAPPER,
    NONE
  }

  private CallSpans() {}

  /** The span ids of the calls among {@code spans}, given each span's attributes by span id. */
  static Set<String> of(List<SpanView> spans, Map<String, SpanAttributes> attributes) {
    Map<String, Role> roles = new HashMap<>();
    Map<String, String> parents = new HashMap<>();
    for (SpanView s : spans) {
      roles.put(s.spanIdHex(), roleOf(s, Objects.requireNonNull(attributes.get(s.spanIdHex()))));
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
    Set<String> calls = new HashSet<>();
    roles.forEach(
        (id, role) -> {
          if (role == Role.CALL || (role == Role.WRAPPER && !aboveACall.contains(id))) {
            calls.add(id);
          }
        });
    return calls;
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
}
