package dev.llmtail.core;

import java.util.Locale;
import java.util.Set;

/**
 * One spelling per LLM provider, as {@link LlmCall#provider()} holds it and the {@code provider}
 * tag of the {@code llmtail.llm.*} meters shows it: the OpenTelemetry GenAI {@code
 * gen_ai.provider.name} values where one exists ({@code azure.ai.openai}, {@code aws.bedrock},
 * {@code ibm.watsonx.ai}), else the raw value up to its first dot ({@code openai.chat} → {@code
 * openai}).
 */
public final class LlmProviders {

  public static final String AZURE_OPENAI = "azure.ai.openai";
  public static final String AWS_BEDROCK = "aws.bedrock";
  public static final String GOOGLE = "google";
  public static final String WATSONX = "ibm.watsonx.ai";

  /** Providers kept as metric tag values; others are reported as {@code other}. */
  public static final Set<String> KNOWN =
      Set.of(
          "openai",
          "anthropic",
          GOOGLE,
          AWS_BEDROCK,
          AZURE_OPENAI,
          "azure.ai.inference",
          WATSONX,
          "mistral_ai",
          "mistral",
          "cohere",
          "groq",
          "deepseek",
          "xai",
          "perplexity",
          "ollama",
          "together",
          "fireworks",
          "openrouter",
          "unknown");

  private LlmProviders() {}

  /** The canonical spelling of a reported provider or system; {@code ""} for a blank one. */
  public static String normalise(String raw) {
    String p = raw.trim().toLowerCase(Locale.ROOT);
    if (p.isEmpty()) {
      return "";
    }
    if (p.startsWith("azure.ai.inference")) {
      return "azure.ai.inference";
    }
    if (p.startsWith("az.ai.") || p.startsWith("azure")) {
      return AZURE_OPENAI;
    }
    if (p.startsWith("aws.bedrock") || p.startsWith("amazon-bedrock") || p.startsWith("bedrock")) {
      return AWS_BEDROCK;
    }
    if (p.startsWith("ibm") || p.contains("watsonx")) {
      return WATSONX;
    }
    if (p.startsWith("gcp.")
        || p.startsWith("google")
        || p.startsWith("vertex")
        || p.startsWith("gemini")) {
      return GOOGLE;
    }
    if (p.startsWith("mistral")) {
      return "mistral_ai";
    }
    int dot = p.indexOf('.');
    return dot > 0 ? p.substring(0, dot) : p;
  }
}
