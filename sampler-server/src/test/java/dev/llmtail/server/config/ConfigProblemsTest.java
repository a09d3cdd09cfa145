package dev.llmtail.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import dev.llmtail.core.NamedPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a person sees for the mistakes of a first config: every problem at once, in plain words, and
 * the same problems whether {@code validate} or {@code run} reads the file.
 */
class ConfigProblemsTest {

  private static final String POLICIES =
      """
      policies:
        - name: errors
          type: status_code
          status_codes: [ERROR]
      """;

  private static ConfigException problems(Map<String, String> env, String yaml) {
    try {
      ConfigLoader.withEnvironment(env).parse(Path.of("test.yaml"), yaml);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected problems, but the config loaded:\n" + yaml);
  }

  private static ConfigException problems(String yaml) {
    return problems(Map.of(), yaml);
  }

  @Test
  void anUnknownKeyDoesNotHideTheOtherProblemsOfItsSection() {
    ConfigException e =
        problems(
            POLICIES
                + """
                exporter:
                  otlp:
                    endpoint: collector:4317
                    compresion: gzip
                    timeout: 10
                    queue_size: 0
                """);
    assertThat(e.problems())
        .containsExactly(
            "test.yaml:8: exporter.otlp.compresion: unknown key; did you mean compression?"
                + " (allowed here: batch_timeout, compression, compression_params, endpoint, headers,"
                + " max_batch_spans, queue_max_bytes, queue_size, retry, spill, timeout, tls)",
            "test.yaml:9: exporter.otlp.timeout: '10' is not a duration (expected: a number with"
                + " a unit, e.g. 250ms, 10s, 5m)",
            "test.yaml:10: exporter.otlp.queue_size: 0 (expected: >= 1 span)");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -2, 10})
  void aGzipLevelOutsideOneToNineIsRefusedWithTheRange(int level) {
    ConfigException e =
        problems(
            POLICIES
                + """
                exporter:
                  otlp:
                    endpoint: collector:4317
                    compression_params:
                      level: %d
                """
                    .formatted(level));
    assertThat(e.problems())
        .singleElement(STRING)
        .contains("exporter.otlp.compression_params.level: " + level)
        .contains("1 (fastest) to 9 (smallest), or -1 for the default, 6");
  }

  @Test
  void aMisspeltRequiredOptionIsReportedOnceAsTheMisspelling() {
    ConfigException e =
        problems(
            """
            policies:
              - name: slow
                type: latency
                treshold: 5s
            exporter: {file: {path: kept.jsonl}}
            """);
    assertThat(e.problems())
        .containsExactly(
            "test.yaml:4: policies[0].treshold: unknown key; did you mean threshold? (allowed"
                + " here: threshold, upper_threshold)");
  }

  @Test
  void anExporterEndpointWithAnotherSchemeIsRefusedWithTheFormThatWorks() {
    ConfigException e =
        problems(POLICIES + "exporter:\n  otlp:\n    endpoint: grpc://collector:4317\n");
    assertThat(e.problems())
        .containsExactly(
            "test.yaml:7: exporter.otlp.endpoint: 'grpc://collector:4317' has the scheme grpc://"
                + " (write collector:4317 for plaintext or https://collector:4317 for TLS;"
                + " expected: the backend's OTLP/gRPC address, e.g. collector:4317, or"
                + " https://collector:4317 for TLS; export is OTLP/gRPC, without a URL path)");
  }

  @Test
  void anExporterEndpointWithAnOtlpHttpPathSaysExportIsGrpc() {
    ConfigException e =
        problems(POLICIES + "exporter:\n  otlp:\n    endpoint: https://backend:4318/v1/traces\n");
    assertThat(e.problems())
        .singleElement(STRING)
        .contains("has the path /v1/traces (write https://backend:4318;", "OTLP/gRPC");
  }

  @Test
  void aListenAddressWithASchemeIsRefused() {
    ConfigException e =
        problems(
            POLICIES
                + "exporter:\n  file:\n    path: kept.jsonl\n"
                + "receivers:\n  http:\n    endpoint: http://0.0.0.0:5318\n");
    assertThat(e.problems())
        .containsExactly(
            "test.yaml:10: receivers.http.endpoint: 'http://0.0.0.0:5318' (expected: host:port"
                + " without a scheme or path, e.g. 0.0.0.0:5317)");
  }

  @Test
  void aProblemWithAValueFromAnUnsetVariableNamesTheVariable() {
    ConfigException e =
        problems(
            POLICIES
                + """
                exporter:
                  otlp:
                    endpoint: ${env:BACKEND}
                  file:
                    path: ${env:KEPT_FILE}
                """);
    assertThat(e.problems())
        .containsExactly(
            "test.yaml:5: exporter: no destination for kept traces (expected:"
                + " exporter.otlp.endpoint, e.g. localhost:4317, or exporter.file.path) (the"
                + " environment variables BACKEND, KEPT_FILE are not set)");
  }

  @Test
  void yamlSyntaxErrorsAreSaidInPlainWordsUnderTheirLine() {
    assertThat(problems("buffer:\n  quiet_period 10s\n  max_traces: 5\n").problems())
        .containsExactly(
            "test.yaml:3: not valid YAML: a ':' where none was expected (a line above without the"
                + " ':' after its key, a line indented too far, or a value containing ': ' that"
                + " needs quotes)\n    3 |   max_traces: 5");
    assertThat(problems("buffer:\n\tquiet_period: 10s\n").problems().get(0))
        .startsWith("test.yaml:2: not valid YAML: a tab or a character YAML does not allow here");
    assertThat(problems("policies:\n  - name: a\n    type: b\n   - name: c\n").problems().get(0))
        .doesNotContain("reader", "line 4, column", "<block")
        .startsWith("test.yaml:4: not valid YAML: a line indented differently");
  }

  @Test
  void policyTypesAreReadWithEitherSeparatorAndRecordedInTheirCanonicalForm() throws Exception {
    LlmtailConfig config =
        ConfigLoader.withEnvironment(Map.of())
            .parse(
                Path.of("test.yaml"),
                """
                policies:
                  - {name: storms, type: retry_storm}
                  - {name: errors, type: status-code, status_codes: [ERROR]}
                  - name: cut
                    type: and
                    policies: [{type: truncated_stream}]
                exporter: {file: {path: kept.jsonl}}
                """);
    assertThat(config.policies())
        .extracting(NamedPolicy::type)
        .containsExactly("retry-storm", "status_code", "and");
  }

  @Test
  void aListenHostThatIsNotThisMachineIsRefusedBeforeRunTriesToBindIt() {
    ConfigException e =
        problems(
            POLICIES
                + "exporter: {file: {path: kept.jsonl}}\n"
                + "admin:\n  endpoint: 192.0.2.1:5319\n");
    assertThat(e.problems())
        .singleElement(STRING)
        .startsWith("test.yaml:7: admin.endpoint: '192.0.2.1:5319': 192.0.2.1 is not an address of")
        .contains("this machine");
  }

  @Test
  void aKeptTracesFileThatCannotBeCreatedIsRefused(@TempDir Path dir) throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("a-file"), "");
    ConfigException e =
        problems(POLICIES + "exporter:\n  file:\n    path: " + notADirectory + "/kept.jsonl\n");
    assertThat(e.problems())
        .singleElement(STRING)
        .startsWith("test.yaml:7: exporter.file.path: '" + notADirectory + "/kept.jsonl'")
        .endsWith("is not a writable directory");
  }
}
