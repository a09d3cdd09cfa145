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
    String model = model(call);
    String prompt = hasPrompt(call) ? "prompt:" + call.inputDigest() : "name:" + call.spanName();
    return model + "|" + prompt;
  }

  /** The model part of the fingerprint: the base of the model asked for. */
  static String model(LlmCall call) {
    return ModelNames.base(call.requestModel().isEmpty() ? call.model() : call.requestModel());
  }

  /** Whether the request was captured, so that equal fingerprints mean equal requests. */
  static boolean hasPrompt(LlmCall call) {
    return call.prompt().captured(); // without making the digest (most calls are never compared)
  }
}
