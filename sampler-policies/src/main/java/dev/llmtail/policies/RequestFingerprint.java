package dev.llmtail.policies;

import dev.llmtail.core.LlmCall;

/**
 * What makes two LLM calls "the same request": the model asked for and the captured prompt, or —
 * when the prompt was not captured — the model and the span name.
 */
final class RequestFingerprint {

  private RequestFingerprint() {}

  static String of(LlmCall call) {
    String model =
        ModelNames.base(call.requestModel().isEmpty() ? call.model() : call.requestModel());
    String prompt =
        call.inputText().isEmpty()
            ? "name:" + call.spanName()
            : "prompt:" + call.inputText().hashCode() + ":" + call.inputText().length();
    return model + "|" + prompt;
  }

  /** Whether the prompt was captured, so that equal fingerprints mean equal prompts. */
  static boolean hasPrompt(LlmCall call) {
    return !call.inputText().isEmpty();
  }
}
