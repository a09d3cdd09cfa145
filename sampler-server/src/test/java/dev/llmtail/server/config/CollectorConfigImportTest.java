package dev.llmtail.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmtail.core.NamedPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CollectorConfigImportTest {

  private static String collector(String name) throws Exception {
    return Files.readString(Path.of("src", "test", "resources", "collector", name));
  }

  private static CollectorConfigImport.Result convert(String name) throws Exception {
    return CollectorConfigImport.convert(name, collector(name));
  }

  private static LlmtailConfig load(CollectorConfigImport.Result result) throws ConfigException {
    return ConfigLoader.withEnvironment(Map.of()).parse(Path.of("converted.yaml"), result.yaml());
  }

  @Test
  void convertsEverySharedPolicyTypeOfTheCollectorReadmeExampleIntoAConfigThatLoads()
      throws Exception {
    CollectorConfigImport.Result result = convert("contrib-readme-example.yaml");
    LlmtailConfig config = load(result);

    assertThat(config.policies())
        .extracting(NamedPolicy::type)
        .containsExactly(
            "always_sample",
            "latency",
            "numeric_attribute",
            "probabilistic",
            "status_code",
            "string_attribute",
            "string_attribute",
            "rate_limiting",
            "string_attribute",
            "span_count",
            "trace_state",
            "bytes_limiting",
            "boolean_attribute",
            "and",
            "composite",
            "drop");
    assertThat(config.buffer().maxTraces()).isEqualTo(100);
    assertThat(config.buffer().maxTraceWait()).hasSeconds(10);
    assertThat(config.buffer().decisionCacheSize()).isEqualTo(100_000);
    assertThat(result.yaml()).contains("threshold: 5000ms", "upper_threshold: 10000ms");
    assertThat(result.notConverted())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("test-policy-14")
                    .contains("ottl_condition")
                    .contains("condition"))
        .anySatisfy(l -> assertThat(l).contains("cache_max_size"))
        .anySatisfy(l -> assertThat(l).contains("expected_new_traces_per_sec"));
  }

  @Test
  void keepsTheCollectorsCompositeEvaluationOrder() throws Exception {
    String yaml = convert("contrib-readme-example.yaml").yaml();
    assertThat(yaml.indexOf("name: test-composite-policy-1"))
        .isLessThan(yaml.indexOf("name: test-composite-policy-2"))
        .isLessThan(yaml.indexOf("name: test-composite-policy-3"));
  }

  @Test
  void convertsANamedProcessorAndSaysWhatBehavesDifferently() throws Exception {
    CollectorConfigImport.Result result = convert("production-errors-slow-baseline.yaml");
    LlmtailConfig config = load(result);
    assertThat(config.policies())
        .extracting(NamedPolicy::name)
        .containsExactly("errors", "slow", "not-health", "baseline");
    assertThat(config.buffer().maxTraces()).isEqualTo(50_000);
    assertThat(result.notConverted())
        .anySatisfy(l -> assertThat(l).contains("hash_salt").contains("trace id's own randomness"))
        .anySatisfy(l -> assertThat(l).contains("sample_on_first_match"))
        .noneSatisfy(l -> assertThat(l).contains("decision_wait"));
    // Converted, so not in the "not converted" list; but it behaves differently, so said here.
    assertThat(result.differences())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("decision_wait: became buffer.max_trace_wait", "quiet_period");
  }

  @Test
  void anInvertMatchPolicyIsConvertedWithTheDropPolicyThatDoesWhatTheCollectorDid()
      throws Exception {
    CollectorConfigImport.Result result = convert("contrib-readme-example.yaml");
    String line =
        result.differences().stream()
            .filter(l -> l.contains("invert_match"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no invert_match line in " + result));
    assertThat(line)
        .contains("llmtail never drops on invert_match")
        .contains("{name: drop-test-policy-9, type: drop, policies: [{type: string_attribute,");
    // The suggested policy is a config llmtail reads.
    String suggested = line.substring(line.indexOf("add ") + 4);
    LlmtailConfig config =
        ConfigLoader.withEnvironment(Map.of())
            .parse(
                Path.of("suggested.yaml"),
                "policies:\n  - " + suggested + "\nexporter: {file: {path: kept.jsonl}}\n");
    assertThat(config.policies()).extracting(NamedPolicy::type).containsExactly("drop");
    assertThat(result.notConverted()).noneSatisfy(l -> assertThat(l).contains("invert_match"));
  }

  @Test
  void convertsTheFirstOfSeveralProcessorsAndPointsOttlAtCel() throws Exception {
    CollectorConfigImport.Result result = convert("two-processors-ottl.yaml");
    LlmtailConfig config = load(result);
    assertThat(config.policies())
        .extracting(NamedPolicy::name)
        .containsExactly("gen-ai-errors", "debug-flag", "large");
    assertThat(config.buffer().decisionCacheSize()).isEqualTo(100_000);
    assertThat(config.buffer().maxTraceBytes()).isEqualTo(5_000_000);
    assertThat(result.notConverted())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("tail_sampling/web")
                    .contains("only tail_sampling/llm was converted"))
        .anySatisfy(l -> assertThat(l).contains("expensive-ottl").contains("condition"))
        .anySatisfy(
            l -> assertThat(l).contains("maximum_trace_size_bytes: became buffer.max_trace_bytes"));
  }

  @Test
  void refusesAConfigWithoutATailSamplingProcessor() {
    assertThatThrownBy(() -> convert("no-tail-sampling.yaml"))
        .hasMessageStartingWith(
            "no-tail-sampling.yaml: no tail_sampling processor under processors:");
  }

  @Test
  void aCollectorConfigThatIsNotYamlIsSaidInPlainWordsAtItsLine() {
    assertThatThrownBy(
            () ->
                CollectorConfigImport.convert(
                    "otelcol.yaml", "processors:\n  tail_sampling:\n\tpolicies: []\n"))
        .hasMessageStartingWith("otelcol.yaml:3: not valid YAML: a tab or a character")
        .hasMessageNotContaining("reader");
  }
}
