package dev.llmtail.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LlmProvidersTest {

  @ParameterizedTest
  @CsvSource({
    "openai.chat, openai",
    "openai, openai",
    "az.ai.openai, azure.ai.openai",
    "azure_openai, azure.ai.openai",
    "Azure.AI.OpenAI, azure.ai.openai",
    "ibm.watsonx.ai, ibm.watsonx.ai",
    "watsonx, ibm.watsonx.ai",
    "gcp.vertex_ai, google",
    "amazon-bedrock, aws.bedrock",
    "mistralai, mistral_ai"
  })
  void azureAndWatsonxAreProvidersOfTheirOwnAndKeptAsMetricTags(String raw, String canonical) {
    assertThat(LlmProviders.normalise(raw)).isEqualTo(canonical);
    assertThat(LlmProviders.KNOWN).contains(canonical);
  }
}
