package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.LlmCall;

/** How LLM policies name a call in reasons and evidence: {@code span 4bf92f35…/chat gpt-4o}. */
final class LlmEvidence {

  private LlmEvidence() {}

  static String label(LlmCall call) {
    String id = call.spanId().length() > 8 ? call.spanId().substring(0, 8) + "…" : call.spanId();
    return "span " + id + "/" + call.spanName();
  }

  static Evidence of(LlmCall call, String attribute, Object observed, String threshold) {
    return new Evidence(call.spanId(), attribute, String.valueOf(observed), threshold);
  }
}
