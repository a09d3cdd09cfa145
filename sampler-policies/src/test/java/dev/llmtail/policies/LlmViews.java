package dev.llmtail.policies;

import dev.llmtail.core.TraceView;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Test traces as policies see them: decoded and normalised. */
final class LlmViews {

  private LlmViews() {}

  static TraceView of(TraceBuilder trace) {
    return trace.view().withGenAi(new GenAiNormalizer(new SimpleMeterRegistry()));
  }

  /**
   * A healthy answer to the user, then an LLM judge or classifier call (gpt-4o-mini) answering
   * {@code judgeOutput}, made inside the span {@code gradingSpan} of an evaluator or guardrail that
   * carries {@code key = value}.
   */
  static TraceBuilder answeredThenGraded(
      Dialect d, String gradingSpan, String key, String value, String judgeOutput) {
    TraceBuilder t = LlmTraces.chat(d, LlmCallSpec.healthy());
    d.write(
        t.child(gradingSpan).attribute(key, value),
        LlmCallSpec.healthy()
            .models("gpt-4o-mini", "gpt-4o-mini")
            .output(judgeOutput)
            .at(2000, 300));
    return t;
  }
}
