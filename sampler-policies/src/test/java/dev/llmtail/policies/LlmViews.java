package dev.llmtail.policies;

import dev.llmtail.core.TraceView;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Test traces as policies see them: decoded and normalised. */
final class LlmViews {

  private LlmViews() {}

  static TraceView of(TraceBuilder trace) {
    return trace.view().withGenAi(new GenAiNormalizer(new SimpleMeterRegistry()));
  }
}
