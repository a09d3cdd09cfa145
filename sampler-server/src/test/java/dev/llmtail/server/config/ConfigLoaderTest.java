package dev.llmtail.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmtail.core.NamedPolicy;
import dev.llmtail.server.config.ExporterConfig.CompressionParams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  private static final Path SHIPPED = Path.of("..", "config", "llmtail.yaml");
  private static final String MINIMAL_POLICIES =
      """
      policies:
        - name: errors
          type: status_code
          status_codes: [ERROR]
      exporter:
        file:
          path: kept.jsonl
      """;

  private static LlmtailConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.withEnvironment(Map.of()).parse(Path.of("test.yaml"), yaml);
  }

  /** Parses {@code yaml} as a JVM whose max heap is {@code maxHeap} bytes would. */
  private static LlmtailConfig parseWithMaxHeap(long maxHeap, String yaml) throws ConfigException {
    return ConfigLoader.withEnvironment(Map.of(), maxHeap).parse(Path.of("test.yaml"), yaml);
  }

  private static ConfigException problems(ThrowingCallable load) {
    try {
      load.call();
    } catch (ConfigException e) {
      return e;
    } catch (Throwable t) {
      throw new AssertionError("expected a ConfigException, got " + t, t);
    }
    throw new AssertionError("expected a ConfigException, but the config loaded");
  }

  @Test
  void shippedDefaultConfigWritesToAFileWhenNoEndpointIsSet() throws Exception {
    LlmtailConfig config = ConfigLoader.withEnvironment(Map.of()).load(SHIPPED);
    assertThat(config.exporter().otlp().enabled()).isFalse();
    assertThat(config.exporter().file().path()).isEqualTo("llmtail-kept.jsonl");
    assertThat(config.receivers().grpc().endpoint()).isEqualTo("0.0.0.0:5317");
    assertThat(config.buffer().quietPeriod()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.buffer().maxTraceWait()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.policies())
        .extracting(NamedPolicy::type)
        .contains(
            "semantic-flag",
            "refusal",
            "retry-storm",
            "truncated-stream",
            "high-cost",
            "model-substitution",
            "cache-miss",
            "duplicate-request",
            "billing-gap",
            "token-drift",
            "status_code",
            "latency",
            "probabilistic");
  }

  @Test
  void shippedDefaultConfigExportsOverOtlpWhenTheEndpointVariableIsSet() throws Exception {
    LlmtailConfig config =
        ConfigLoader.withEnvironment(Map.of("LLMTAIL_EXPORTER_ENDPOINT", "collector:4317"))
            .load(SHIPPED);
    assertThat(config.exporter().otlp().enabled()).isTrue();
    assertThat(config.exporter().otlp().target()).isEqualTo(new HostPort("collector", 4317));
    // The Collector beside it compresses towards the backend: nothing to gain by compressing here.
    assertThat(config.exporter().otlp().compression()).isEqualTo("none");
    assertThat(config.exporter().otlp().compressionParams().level()).isEqualTo(1);
  }

  @Test
  void shippedDefaultConfigCompressesWithTheFastestGzipLevelWhenAskedTo() throws Exception {
    LlmtailConfig config =
        ConfigLoader.withEnvironment(
                Map.of(
                    "LLMTAIL_EXPORTER_ENDPOINT",
                    "backend.example:4317",
                    "LLMTAIL_EXPORTER_COMPRESSION",
                    "gzip"))
            .load(SHIPPED);
    assertThat(config.exporter().otlp().compression()).isEqualTo("gzip");
    assertThat(config.exporter().otlp().compressionParams().level()).isEqualTo(1);
  }

  @Test
  void defaultsApplyToEverythingButPolicies() throws Exception {
    LlmtailConfig config = parse(MINIMAL_POLICIES);
    assertThat(config.receivers().grpc().maxMessageSize().bytes()).isEqualTo(4L << 20);
    assertThat(config.buffer().maxTraces()).isEqualTo(100_000);
    assertThat(parseWithMaxHeap(2048L << 20, MINIMAL_POLICIES).buffer().maxBytes())
        .as("a quarter of the max heap")
        .isEqualTo(512L << 20);
    assertThat(config.buffer().decisionCacheTtl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.exporter().otlp().retry().maxElapsedTime()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.receivers().http().endpoint()).isEqualTo("0.0.0.0:5318");
    assertThat(config.receivers().http().maxRequestSize().bytes()).isEqualTo(4L << 20);
    assertThat(config.exporter().otlp().queueMaxBytes().bytes()).isEqualTo(64L << 20);
    assertThat(config.exporter().otlp().spill().enabled()).isFalse();
    assertThat(config.exporter().otlp().spill().maxSize().bytes()).isEqualTo(1L << 30);
    assertThat(config.exporter().otlp().compressionParams().level())
        .isEqualTo(CompressionParams.DEFAULT_LEVEL);
  }

  @Test
  void aCompletionRuleIsCompiledAtLoadAndABadConditionNamesItsRuleAndPosition() throws Exception {
    LlmtailConfig config =
        parse(
            """
            buffer:
              quiet_period: 5s
              completion_rules:
                - when: span.attributes["gen_ai.operation.name"] == "invoke_agent"
                  quiet_period: 60s
                - when: resource["service.name"] == "batch"
            """
                + MINIMAL_POLICIES);
    assertThat(config.buffer().completionRules())
        .extracting(r -> r.quietPeriod(), r -> r.maxTraceWait())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Duration.ofSeconds(60), Duration.ofMinutes(5)),
            org.assertj.core.groups.Tuple.tuple(Duration.ofSeconds(5), Duration.ofMinutes(5)));
    assertThat(
            problems(
                    () ->
                        parse(
                            """
                            buffer:
                              completion_rules:
                                - when: spn.name == "invoke_agent"
                            """
                                + MINIMAL_POLICIES))
                .problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith(
            "test.yaml:2: buffer.completion_rules: rule 1 (spn.name == \"invoke_agent\"): when:")
        .contains("undeclared reference to 'spn'");
  }

  @Test
  void conversationsAreKeptWholeByDefaultAndBadValuesNameTheirKeys() throws Exception {
    LlmtailConfig config = parse(MINIMAL_POLICIES);
    assertThat(config.conversations().keepSiblings()).isTrue();
    assertThat(config.conversations().followWindow()).isEqualTo(Duration.ofMinutes(30));
    assertThat(config.conversations().maxTraces()).isEqualTo(100);
    assertThat(
            problems(() -> parse("conversations:\n  max_traces: 0\n" + MINIMAL_POLICIES))
                .problems())
        .containsExactly("test.yaml:2: conversations.max_traces: 0 (expected: >= 1, e.g. 100)");
  }

  @Test
  void kafkaReceiverIsOffByDefaultAndTakesTheCollectorsDefaultTopics() throws Exception {
    assertThat(parse(MINIMAL_POLICIES).receivers().kafka()).isNull();
    KafkaReceiverConfig kafka =
        parse(
                "receivers:\n  kafka:\n    brokers: [kafka-0:9092, kafka-1:9092]\n"
                    + MINIMAL_POLICIES)
            .receivers()
            .kafka();
    assertThat(kafka.brokers()).containsExactly("kafka-0:9092", "kafka-1:9092");
    assertThat(kafka.traces())
        .isEqualTo(new KafkaReceiverConfig.TopicConfig("otlp_spans", "otlp_proto"));
    assertThat(kafka.logs())
        .isEqualTo(new KafkaReceiverConfig.TopicConfig("otlp_logs", "otlp_proto"));
    assertThat(kafka.groupId()).isEqualTo("llmtail");
    assertThat(kafka.initialOffset()).isEqualTo("latest");
  }

  @Test
  void otlpReceiversCanBeTurnedOffToReadOnlyFromKafka() throws Exception {
    ReceiversConfig kafkaOnly =
        parse(
                """
                receivers:
                  grpc:
                    enabled: false
                  http:
                    enabled: false
                  kafka:
                    brokers: [kafka:9092]
                """
                    + MINIMAL_POLICIES)
            .receivers();
    assertThat(kafkaOnly.grpc().enabled()).isFalse();
    assertThat(kafkaOnly.http().enabled()).isFalse();
    assertThat(kafkaOnly.kafka()).isNotNull();
    assertThat(parse(MINIMAL_POLICIES).receivers().grpc().enabled()).isTrue();
    assertThat(parse(MINIMAL_POLICIES).receivers().http().enabled()).isTrue();
  }

  @Test
  void aConfigWithEveryReceiverOffIsRefusedNamingTheFix() {
    assertThat(
            problems(
                    () ->
                        parse(
                            "receivers:\n  grpc:\n    enabled: false\n  http:\n    enabled:"
                                + " false\n"
                                + MINIMAL_POLICIES))
                .problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("llmtail would receive nothing")
        .contains("remove an enabled: false or add receivers.kafka");
  }

  @Test
  void badKafkaValuesNameTheirKeysAndWhatIsAllowed() {
    assertThat(
            problems(
                    () ->
                        parse(
                            "receivers:\n  kafka:\n    traces:\n      encoding: jaeger_proto\n"
                                + MINIMAL_POLICIES))
                .problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("encoding: jaeger_proto (expected: otlp_proto or otlp_json)");
    assertThat(
            problems(
                    () ->
                        parse(
                            "receivers:\n  kafka:\n    auth:\n      sasl:\n        username: llmtail\n"
                                + MINIMAL_POLICIES))
                .problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("username/password: missing (expected: both, for SASL PLAIN)");
  }

  @Test
  void badHttpReceiverAndSpillValuesNameTheirKeys() {
    assertThat(
            problems(
                    () ->
                        parse("receivers:\n  http:\n    endpoint: localhost\n" + MINIMAL_POLICIES))
                .problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("receivers.http.endpoint: 'localhost' (expected: host:port");
    assertThat(
            problems(
                    () ->
                        parse(
                            """
                            exporter:
                              otlp:
                                endpoint: localhost:4317
                                spill:
                                  max_size: 10
                            policies:
                              - {name: all, type: always_sample}
                            """))
                .problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("spill.max_size: 10 (expected: >= 1KiB");
  }

  @Test
  void substitutesEnvironmentVariablesWithDefaultsAsTheCollectorDoes() throws Exception {
    String yaml =
        """
        receivers:
          grpc:
            endpoint: ${env:HOST}:${env:PORT:-5317}
        buffer:
          quiet_period: ${env:QUIET}
        exporter:
          otlp:
            endpoint: ${env:UNSET}
            headers:
              api-key: $${not-a-variable}
          file:
            path: ${env:DIR:-/var/lib/llmtail}/kept.jsonl
        """
            + MINIMAL_POLICIES.substring(0, MINIMAL_POLICIES.indexOf("exporter:"));
    LlmtailConfig config =
        ConfigLoader.withEnvironment(Map.of("HOST", "127.0.0.1", "QUIET", "2s"))
            .parse(Path.of("env.yaml"), yaml);
    assertThat(config.receivers().grpc().endpoint()).isEqualTo("127.0.0.1:5317");
    assertThat(config.buffer().quietPeriod()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.exporter().otlp().enabled()).isFalse(); // unset without default: empty
    assertThat(config.exporter().otlp().headers()).containsEntry("api-key", "${not-a-variable}");
    assertThat(config.exporter().file().path()).isEqualTo("/var/lib/llmtail/kept.jsonl");
  }

  @Test
  void anUnknownKeyNamesFileLineKeyAndWhatIsAllowed() {
    ConfigException e =
        problems(
            () -> parse("buffer:\n  quiet_period: 5s\n  quiet_periood: 6s\n" + MINIMAL_POLICIES));
    assertThat(e.problems())
        .containsExactly(
            "test.yaml:3: buffer.quiet_periood: unknown key; did you mean quiet_period? (allowed here: completion_rules, max_bytes, max_trace_bytes, max_trace_spans, max_trace_wait, max_traces, quiet_period)");
  }

  @Test
  void aWrongTypeNamesTheLineAndWhatWasExpected() {
    ConfigException e = problems(() -> parse("buffer:\n  max_traces: lots\n" + MINIMAL_POLICIES));
    assertThat(e.problems())
        .containsExactly("test.yaml:2: buffer.max_traces: 'lots' is not a whole number");
  }

  @Test
  void aBadValueNamesTheLineAndTheAllowedRange() {
    assertThat(problems(() -> parse("buffer:\n  quiet_period: 0s\n" + MINIMAL_POLICIES)).problems())
        .containsExactly(
            "test.yaml:2: buffer.quiet_period: 0s (expected: a duration > 0, e.g. 10s)");
    assertThat(problems(() -> parse("buffer:\n  quiet_period: 10\n" + MINIMAL_POLICIES)).problems())
        .containsExactly(
            "test.yaml:2: buffer.quiet_period: '10' is not a duration (expected: a number with a unit, e.g. 250ms, 10s, 5m)");
    assertThat(
            problems(() -> parse("buffer:\n  max_bytes: 12 parsecs\n" + MINIMAL_POLICIES))
                .problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("test.yaml:2: buffer.max_bytes: '12 parsecs' is neither a size nor a share");
  }

  @Test
  void shippedConfigHoldsAQuarterOfTheMaxHeapInTheBuffer() throws Exception {
    // -Xmx2g as the benchmark runs it; 556 MiB is what Serial reports of the recipes' -Xmx576m.
    LlmtailConfig twoGiB = ConfigLoader.withEnvironment(Map.of(), 2048L << 20).load(SHIPPED);
    LlmtailConfig serial576 = ConfigLoader.withEnvironment(Map.of(), 556L << 20).load(SHIPPED);

    assertThat(twoGiB.buffer().maxBytes()).isEqualTo(512L << 20);
    assertThat(twoGiB.buffer().maxTraceBytes()).isEqualTo(64L << 20);
    assertThat(serial576.buffer().maxBytes()).isEqualTo(139L << 20);
  }

  @Test
  void maxBytesAsAShareOfTheMaxHeapIsResolvedAgainstTheHeapAtStart() throws Exception {
    String yaml = "buffer:\n  max_bytes: 40%\n" + MINIMAL_POLICIES;
    LlmtailConfig twoGiB = parseWithMaxHeap(2048L << 20, yaml);
    LlmtailConfig serial576 = parseWithMaxHeap(556L << 20, yaml);

    // 40 % of 2 GiB is 819.2 MiB, rounded down to whole MiB; one trace may hold an eighth of it.
    assertThat(twoGiB.buffer().maxBytes()).isEqualTo(819L << 20);
    assertThat(twoGiB.buffer().maxTraceBytes()).isEqualTo((819L << 20) / 8);
    assertThat(serial576.buffer().maxBytes()).isEqualTo(222L << 20);
  }

  @Test
  void maxBytesAsASizeIgnoresTheHeapAndMaxTraceBytesDefaultsToAnEighthOfIt() throws Exception {
    String yaml = "buffer:\n  max_bytes: 64MiB\n" + MINIMAL_POLICIES;
    LlmtailConfig config = parseWithMaxHeap(2048L << 20, yaml);
    LlmtailConfig explicit =
        parse("buffer:\n  max_bytes: 64MiB\n  max_trace_bytes: 1MiB\n" + MINIMAL_POLICIES);

    assertThat(config.buffer().maxBytes()).isEqualTo(64L << 20);
    assertThat(config.buffer().maxTraceBytes()).isEqualTo(8L << 20);
    assertThat(explicit.buffer().maxTraceBytes()).isEqualTo(1L << 20);
  }

  @Test
  void aShareOfTheHeapOutsideOneToNinetyPercentNamesTheKeyAndTheFix() {
    assertThat(problems(() -> parse("buffer:\n  max_bytes: 0%\n" + MINIMAL_POLICIES)).problems())
        .containsExactly(
            "test.yaml:2: buffer.max_bytes: 0% of the max heap holds nothing (expected: 1% to 90%"
                + " of the max heap, e.g. 40%, or a size, e.g. 256MiB)");
    assertThat(problems(() -> parse("buffer:\n  max_bytes: 95%\n" + MINIMAL_POLICIES)).problems())
        .containsExactly(
            "test.yaml:2: buffer.max_bytes: 95% of the max heap leaves too little for the rest of"
                + " llmtail (expected: 1% to 90% of the max heap, e.g. 40%, or a size, e.g."
                + " 256MiB)");
    assertThat(problems(() -> parse("buffer:\n  max_bytes: 12.5%\n" + MINIMAL_POLICIES)).problems())
        .containsExactly(
            "test.yaml:2: buffer.max_bytes: '12.5%' is not a share of the max heap (expected: a"
                + " whole percentage from 1% to 90%, e.g. 40%)");
    assertThat(
            problems(() -> parse("buffer:\n  max_bytes: forty percent\n" + MINIMAL_POLICIES))
                .problems())
        .containsExactly(
            "test.yaml:2: buffer.max_bytes: 'forty percent' is neither a size nor a share of the"
                + " max heap (expected: a number with KiB, MiB, GiB, KB, MB, GB, e.g. 256MiB, or a"
                + " percentage, e.g. 40%)");
  }

  @Test
  void reportsEveryProblemAtOnceInLineOrder() {
    String yaml =
        """
        receivers:
          grpc:
            endpoint: nowhere
        buffer:
          quiet_period: 1m
          max_trace_wait: 30s
        policies:
          - name: errors
            type: status_kode
          - name: baseline
            type: probabilistic
            sampling_percentage: 250
          - name: baseline
            type: latency
            threshold: 2s
        exporter:
          file:
            path: kept.jsonl
        surprise: true
        """;
    ConfigException e = problems(() -> parse(yaml));
    assertThat(e.problems())
        .containsExactly(
            "test.yaml:3: receivers.grpc.endpoint: 'nowhere' (expected: host:port with a port 0-65535, e.g. 0.0.0.0:5317)",
            "test.yaml:6: buffer.max_trace_wait: 30s is shorter than quiet_period 1m00s (expected: max_trace_wait >= quiet_period)",
            "test.yaml:9: policies[0].type: 'status_kode' is not a policy type; did you mean status_code? (expected one of: always_sample, and, billing-gap, boolean_attribute, bytes_limiting, cache-miss, composite, condition, drop, duplicate-request, dynamic, high-cost, latency, model-substitution, not, numeric_attribute, probabilistic, rate_limiting, refusal, retry-storm, semantic-flag, span_count, status_code, string_attribute, token-drift, trace_state, truncated-stream)",
            "test.yaml:12: policies[1].sampling_percentage: 250.0 (expected: 0 < value <= 100)",
            "test.yaml:13: policies[2].name: 'baseline' is used by an earlier policy (expected: unique names)",
            "test.yaml:19: surprise: unknown section 'surprise' (allowed: admin, buffer, conversations, decision_cache, exporter, policies, receivers, storage)");
    assertThat(e.getMessage()).startsWith("6 problems in test.yaml:");
  }

  @Test
  void bindsSubPoliciesOfCompositeTypesAtAnyDepth() throws Exception {
    String yaml =
        """
        policies:
          - name: drop-health-checks
            type: drop
            policies:
              - {type: string_attribute, key: http.route, values: [/healthz]}
          - name: slow-and-not-ok
            type: and
            policies:
              - {type: latency, threshold: 2s}
              - type: not
                policy: {type: status_code, status_codes: [OK]}
        exporter: {file: {path: k.jsonl}}
        """;
    assertThat(parse(yaml).policies()).extracting(NamedPolicy::type).containsExactly("drop", "and");
  }

  @Test
  void aProblemInASubPolicyNamesItsFullPathAndLine() {
    String yaml =
        """
        policies:
          - name: slow-checkout
            type: and
            policies:
              - {type: latency, threshold: 2s}
              - type: not
                policy: {type: latency, treshold: 1s}
        exporter: {file: {path: k.jsonl}}
        """;
    assertThat(problems(() -> parse(yaml)).problems())
        .containsExactly(
            "test.yaml:7: policies[0].policies[1].policy.treshold: unknown key; did you mean threshold? (allowed here: threshold, upper_threshold)");
  }

  @Test
  void aConfigWithoutPoliciesIsRefusedWithAnExample() {
    assertThat(problems(() -> parse("exporter:\n  file:\n    path: k.jsonl\n")).problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("test.yaml:1: policies: no policies (expected: a list with at least one policy")
        .contains("known types: always_sample, and, billing-gap");
  }

  @Test
  void aConfigWithNowhereToSendKeptTracesIsRefused() {
    assertThat(
            problems(() -> parse(MINIMAL_POLICIES.replace("path: kept.jsonl", "path: \"\"")))
                .problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("exporter: no destination for kept traces");
  }

  @Test
  void aMalformedReferenceIsAnError() {
    assertThat(
            problems(() -> parse("buffer:\n  quiet_period: ${QUIET}\n" + MINIMAL_POLICIES))
                .problems())
        .containsExactly(
            "test.yaml:2: buffer.quiet_period: '${QUIET}' is not a valid reference (expected: ${env:NAME} or ${env:NAME:-default}; write $$ for a literal $)");
  }

  @Test
  void aKeyWrittenTwiceIsAnErrorNotASilentOverride() {
    ConfigException e =
        problems(() -> parse(MINIMAL_POLICIES + "exporter:\n  file:\n    path: other.jsonl\n"));
    assertThat(e.problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .isEqualTo(
            "test.yaml:8: not valid YAML: 'exporter' is written twice in the same mapping (keep"
                + " one)\n    8 | exporter:");
  }

  @Test
  void invalidYamlNamesTheLine() {
    ConfigException e = problems(() -> parse("buffer:\n  quiet_period: [10s\npolicies: []\n"));
    assertThat(e.problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("test.yaml:3: not valid YAML");
  }

  @Test
  void anUnreadableFileSaysSo() {
    ConfigException e =
        problems(() -> ConfigLoader.withEnvironment(Map.of()).load(Path.of("does-not-exist.yaml")));
    assertThat(e.problems())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .isEqualTo(
            "does-not-exist.yaml: no such config file (the shipped one is config/llmtail.yaml;"
                + " `llmtail schema` describes every key)");
    assertThat(e.getMessage()).isEqualTo(e.problems().get(0)); // one line, no "1 problem in"
  }

  @Test
  void parsesDurationsAndSizesAsWrittenInCollectorConfigs() {
    assertThat(DurationText.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(DurationText.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(DurationText.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThatThrownBy(() -> DurationText.parse("5 minutes"))
        .hasMessageContaining("is not a duration");
    assertThat(ByteSize.parse("4MiB").bytes()).isEqualTo(4L << 20);
    assertThat(ByteSize.parse("512MB").bytes()).isEqualTo(512_000_000L);
    assertThat(ByteSize.parse(1024).bytes()).isEqualTo(1024);
    assertThat(new ByteSize(256L << 20)).hasToString("256MiB");
  }
}
