package dev.llmtail.core;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;

/**
 * Trace views with hand-made LLM calls, for tests of what consumes {@link TraceView#llmCalls()}.
 */
public final class TraceViews {

  private TraceViews() {}

  /** A view whose LLM calls are {@code calls}. */
  public static TraceView withCalls(
      TraceId id, List<ResourceSpans> fragments, List<LlmCall> calls) {
    return TraceView.of(id, fragments, new GenAiFacts(calls, List.of()));
  }
}
