package dev.llmtail.core;

import java.util.List;
import java.util.Locale;

/**
 * The model families providers publish, by name prefix: what the {@code model} tag of the {@code
 * llmtail.llm.*} meters keeps, and what tells a model name from a deployment name or gateway alias
 * ({@code prod-support-eastus}) whose model is not known.
 */
public final class ModelFamilies {

  /** Lower-case prefixes of published model names ({@code unknown} stands for "not reported"). */
  public static final List<String> PREFIXES =
      List.of(
          "gpt-",
          "o1",
          "o3",
          "o4",
          "chatgpt-",
          "text-embedding-",
          "claude-",
          "gemini-",
          "gemma-",
          "mistral-",
          "mixtral-",
          "codestral-",
          "magistral-",
          "llama",
          "meta-llama",
          "command-",
          "deepseek-",
          "qwen",
          "grok-",
          "titan-",
          "nova-",
          "jamba-",
          "phi-",
          "unknown");

  private ModelFamilies() {}

  /** Whether {@code model} (without a provider prefix) starts like a published model name. */
  public static boolean known(String model) {
    String m = model.trim().toLowerCase(Locale.ROOT);
    if (m.equals("unknown")) {
      return false;
    }
    for (String prefix : PREFIXES) {
      if (m.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
