package dev.llmtail.policies.genai;

/** Facts about a captured prompt that policies need without parsing it themselves. */
public final class CapturedInput {

  private CapturedInput() {}

  /**
   * Whether the captured input holds an earlier assistant turn: the call continues a conversation.
   */
  public static boolean continuesConversation(String capturedInput) {
    return !capturedInput.isEmpty() && MessageText.hasAssistantTurn(capturedInput);
  }
}
