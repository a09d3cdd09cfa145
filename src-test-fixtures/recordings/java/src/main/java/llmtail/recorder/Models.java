package llmtail.recorder;

import java.util.Map;

/** The scenarios name OpenAI models; an Anthropic client asks for the matching Claude model. */
final class Models {
  private static final Map<String, String> ANTHROPIC =
      Map.of(
          "gpt-4o", "claude-sonnet-4-0",
          "gpt-4o-2024-08-06", "claude-sonnet-4-20250514",
          "gpt-4o-mini-2024-07-18", "claude-3-5-haiku-20241022",
          "claude-3-5-haiku-20241022", "gpt-4o-mini-2024-07-18");

  private Models() {}

  static String anthropic(String openAiModel) {
    return ANTHROPIC.getOrDefault(openAiModel, openAiModel);
  }
}
