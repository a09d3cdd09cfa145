package dev.llmtail.testing;

/**
 * Realistic LLM traces for tests: an HTTP request whose handler makes LLM calls in one dialect.
 *
 * <pre>{@code
 * TraceBuilder t = LlmTraces.chat(Dialect.OPENINFERENCE, LlmCallSpec.healthy().finishReason("content_filter"));
 * }</pre>
 */
public final class LlmTraces {

  private LlmTraces() {}

  /**
   * A {@code POST /chat} request with the given LLM calls, in order, written in {@code dialect}.
   */
  public static TraceBuilder chat(Dialect dialect, LlmCallSpec... calls) {
    return chat(TraceBuilder.trace(), dialect, calls);
  }

  /**
   * {@link #chat(Dialect, LlmCallSpec...)} with the given trace id (32 hex characters), e.g. one
   * the docs show.
   */
  public static TraceBuilder chat(String traceIdHex, Dialect dialect, LlmCallSpec... calls) {
    return chat(TraceBuilder.trace(traceIdHex), dialect, calls);
  }

  private static TraceBuilder chat(TraceBuilder t, Dialect dialect, LlmCallSpec... calls) {
    t.service("chat-api");
    long end = 0;
    for (LlmCallSpec c : calls) {
      end = Math.max(end, c.startMillis + c.durationMillis);
    }
    TraceBuilder.SpanBuilder root = t.root("POST /chat").durationMillis(end + 50);
    root.attribute("http.request.method", "POST").attribute("http.response.status_code", 200L);
    for (LlmCallSpec c : calls) {
      dialect.write(root, c);
    }
    return t;
  }
}
