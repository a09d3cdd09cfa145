package dev.llmtail.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code config/llmtail.schema.json} is what {@link ConfigSchema} generates, and every llmtail
 * config the project ships passes both the schema and {@link ConfigLoader}.
 */
class ConfigSchemaTest {

  private static final Path SHIPPED_SCHEMA = Path.of("../config/llmtail.schema.json");
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ConfigLoader LOADER =
      ConfigLoader.withEnvironment(Map.of("LLMTAIL_EXPORTER_ENDPOINT", "collector:4317"));
  private static final Schema SCHEMA =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
          .getSchema(ConfigSchema.of(LOADER).text(), InputFormat.JSON);

  private static List<String> problems(String yaml) throws IOException {
    JsonNode config = YAML.readTree(yaml);
    return SCHEMA.validate(config).stream().map(Error::toString).toList();
  }

  @Test
  void shippedSchemaIsWhatTheGeneratorWrites() throws IOException {
    String generated = ConfigSchema.of(LOADER).text();
    if (Boolean.getBoolean("llmtail.updateSchema")) {
      Files.writeString(SHIPPED_SCHEMA, generated);
    }
    assertThat(Files.readString(SHIPPED_SCHEMA))
        .as(
            "config/llmtail.schema.json is out of date; regenerate it with: ./mvnw -B -q verify"
                + " -pl sampler-server -am -Dtest=ConfigSchemaTest"
                + " -Dsurefire.failIfNoSpecifiedTests=false -Dllmtail.updateSchema=true")
        .isEqualTo(generated);
  }

  /** Every llmtail config under config/ and docker/ (files with a top-level policies list). */
  static Stream<Path> shippedConfigs() throws IOException {
    List<Path> found;
    try (Stream<Path> config = Files.walk(Path.of("../config"));
        Stream<Path> docker = Files.walk(Path.of("../docker"));
        Stream<Path> files = Stream.concat(config, docker)) {
      found =
          files
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .filter(ConfigSchemaTest::isLlmtailConfig)
              .sorted()
              .toList();
    }
    assertThat(found).as("shipped llmtail configs").isNotEmpty();
    return found.stream();
  }

  private static boolean isLlmtailConfig(Path file) {
    try {
      return Files.readAllLines(file).stream().anyMatch(l -> l.startsWith("policies:"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @ParameterizedTest
  @MethodSource("shippedConfigs")
  void everyShippedConfigPassesTheSchemaAndTheLoader(Path config) throws Exception {
    assertThat(problems(Files.readString(config))).isEmpty();
    assertThat(LOADER.load(config).policies()).isNotEmpty();
  }

  @Test
  void acceptsEnvironmentReferencesWhereNumbersDurationsAndSizesGo() throws IOException {
    assertThat(
            problems(
                """
                buffer:
                  quiet_period: ${env:QUIET:-10s}
                  max_traces: ${env:MAX_TRACES}
                  max_bytes: ${env:MAX_BYTES:-256MiB}
                policies:
                  - name: slow
                    type: latency
                    threshold: 5s
                """))
        .isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "recievers: {}\npolicies: [{name: a, type: always_sample}]",
        "buffer:\n  quiet: 5s\npolicies: [{name: a, type: always_sample}]",
        "buffer:\n  quiet_period: 5\npolicies: [{name: a, type: always_sample}]",
        "buffer:\n  max_bytes: lots\npolicies: [{name: a, type: always_sample}]",
        "buffer:\n  max_bytes: 0%\npolicies: [{name: a, type: always_sample}]",
        "buffer:\n  max_bytes: 95%\npolicies: [{name: a, type: always_sample}]",
        "buffer:\n  max_bytes: 12.5%\npolicies: [{name: a, type: always_sample}]",
        "policies: []",
        "policies: [{name: a, type: nope}]",
        "policies: [{type: latency, threshold: 5s}]",
        "policies: [{name: slow, type: latency, treshold: 5s}]",
        "policies: [{name: slow, type: latency, threshold: fast}]",
        "policies: [{name: both, type: and, policies: [{type: latency, threshold: 5s, extra: 1}]}]",
        "exporter:\n  otlp:\n    endpoint: [a, b]\npolicies: [{name: a, type: always_sample}]"
      })
  void rejectsWhatTheLoaderRejects(String yaml) throws IOException {
    assertThat(problems(yaml)).isNotEmpty();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> LOADER.parse(Path.of("bad.yaml"), yaml))
        .isInstanceOf(ConfigException.class);
  }
}
