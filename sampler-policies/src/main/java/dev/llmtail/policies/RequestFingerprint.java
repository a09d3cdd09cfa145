package dev.llmtail.policies;

import dev.llmtail.core.LlmCall;

/**
 * What makes two LLM calls "the same request": the model asked for and the whole captured request
 * (its digest: system instructions and every message, uncapped), or — when nothing was captured —
 * the model and the span name.
 */
final class RequestFingerprint {

  private RequestFingerprint() {}

  static String of(LlmCall call) {
    String model =
        ModelNames.base(call.requestModel().isEmpty() ? call.model() : call.requestModel());
    String prompt =
        call.inputDigest().isEmpty() ? "name:" + call.spanName() : "prompt:" + call.inputDigest();
    return model + "|" + prompt;
  }

  /** Whether the request was captured, so that equal fingerprints mean equal requests. */
  static boolean hasPrompt(LlmCall call) {
    return !call.inputDigest().isEmpty();
  }
}
