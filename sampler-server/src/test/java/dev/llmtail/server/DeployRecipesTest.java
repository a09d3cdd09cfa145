package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.KafkaReceiverConfig;
import dev.llmtail.server.config.LlmtailConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deployment recipes under {@code docker/} (mirrored in {@code docs/deploy.md}) parse, use only
 * Collector components and keys that otelcol-contrib has under these names, wire the Collector and
 * llmtail to each other's ports, and carry llmtail configs that {@link ConfigLoader} accepts.
 */
class DeployRecipesTest {

  private static final Path DOCKER = Path.of("../docker");
  private static final YAMLMapper YAML = new YAMLMapper();

  /**
   * Component types by kind, as otelcol-contrib names them now (checked against its docs:
   * otlp_grpc/otlp_http replaced otlp/otlphttp as exporter names, load_balancing replaced
   * loadbalancing; the old names are deprecated aliases).
   */
  private static final Map<String, Set<String>> COMPONENTS =
      Map.of(
          "receivers", Set.of("otlp"),
          "processors", Set.of("memory_limiter", "batch"),
          "exporters", Set.of("otlp_grpc", "otlp_http", "debug", "load_balancing", "kafka"),
          "extensions", Set.of("health_check"));

  /** The keys each component type's config may have in these recipes. */
  private static final Map<String, Set<String>> KEYS =
      Map.of(
          "otlp", Set.of("protocols"),
          "memory_limiter", Set.of("check_interval", "limit_percentage", "spike_limit_percentage"),
          "otlp_grpc",
              Set.of(
                  "endpoint",
                  "tls",
                  "retry_on_failure",
                  "sending_queue",
                  "compression",
                  "timeout",
                  "headers"),
          "debug", Set.of("verbosity"),
          "load_balancing",
              Set.of(
                  "routing_key",
                  "protocol",
                  "resolver",
                  "timeout",
                  "retry_on_failure",
                  "sending_queue"),
          "kafka",
              Set.of(
                  "brokers",
                  "traces",
                  "logs",
                  "partition_traces_by_id",
                  "partition_logs_by_trace_id",
                  "retry_on_failure"),
          "health_check", Set.of("endpoint"));

  private static List<JsonNode> documents(Path file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      while (it.hasNext()) {
        docs.add(it.next());
      }
    }
    return docs;
  }

  private static List<Path> yamlFiles() throws IOException {
    try (Stream<Path> files = Files.walk(DOCKER)) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  private static JsonNode configMap() throws IOException {
    return documents(DOCKER.resolve("kubernetes/llmtail.yaml")).stream()
        .filter(d -> d.path("kind").asText().equals("ConfigMap"))
        .findFirst()
        .orElseThrow();
  }

  /** Every Collector config shipped: the recipes' files and the one inside the ConfigMap. */
  private static Map<String, JsonNode> collectorConfigs() throws IOException {
    return Map.of(
        "sidecar/otelcol.yaml", documents(DOCKER.resolve("sidecar/otelcol.yaml")).get(0),
        "scale-out/otelcol.yaml", documents(DOCKER.resolve("scale-out/otelcol.yaml")).get(0),
        "kafka/otelcol.yaml", documents(DOCKER.resolve("kafka/otelcol.yaml")).get(0),
        "kubernetes ConfigMap otelcol.yaml",
            YAML.readTree(configMap().at("/data/otelcol.yaml").asText()));
  }

  @Test
  void everyRecipeFileIsYaml() throws IOException {
    assertThat(yamlFiles()).hasSizeGreaterThanOrEqualTo(5);
    for (Path file : yamlFiles()) {
      assertThat(documents(file))
          .as(file.toString())
          .isNotEmpty()
          .allSatisfy(d -> assertThat(d.isObject()).isTrue());
    }
  }

  @Test
  void collectorConfigsUseCurrentComponentNamesAndKeys() throws IOException {
    collectorConfigs()
        .forEach(
            (name, config) -> {
              Set<String> defined = new HashSet<>();
              COMPONENTS.forEach(
                  (kind, types) ->
                      config
                          .path(kind)
                          .properties()
                          .forEach(
                              component -> {
                                String type = component.getKey().split("/", 2)[0];
                                assertThat(types)
                                    .as(name + ": " + kind + "." + component.getKey())
                                    .contains(type);
                                Set<String> keys = new HashSet<>();
                                component.getValue().fieldNames().forEachRemaining(keys::add);
                                assertThat(KEYS.get(type))
                                    .as(name + ": keys of " + component.getKey())
                                    .containsAll(keys);
                                defined.add(kind + ":" + component.getKey());
                              }));
              config
                  .at("/service/extensions")
                  .forEach(
                      e ->
                          assertThat(defined)
                              .as(name + ": service.extensions")
                              .contains("extensions:" + e.asText()));
              JsonNode pipelines = config.at("/service/pipelines");
              assertThat(pipelines.size()).as(name + ": pipelines").isGreaterThanOrEqualTo(2);
              pipelines
                  .properties()
                  .forEach(
                      pipeline -> {
                        assertThat(pipeline.getKey())
                            .matches("(traces|logs|metrics)(/[a-z0-9_-]+)?");
                        for (String kind : List.of("receivers", "processors", "exporters")) {
                          pipeline
                              .getValue()
                              .path(kind)
                              .forEach(
                                  c ->
                                      assertThat(defined)
                                          .as(name + ": " + pipeline.getKey() + "." + kind)
                                          .contains(kind + ":" + c.asText()));
                        }
                      });
            });
  }

  @Test
  void theLoadBalancerRoutesByTraceIdToEveryReplicaOfTheComposeFile() throws IOException {
    JsonNode lb =
        documents(DOCKER.resolve("scale-out/otelcol.yaml")).get(0).at("/exporters/load_balancing");
    assertThat(lb.path("routing_key").asText()).isEqualTo("traceID");
    assertThat(lb.at("/protocol/otlp/tls/insecure").asBoolean()).isTrue();
    List<String> hosts = new ArrayList<>();
    lb.at("/resolver/static/hostnames").forEach(h -> hosts.add(h.asText()));
    JsonNode services = documents(DOCKER.resolve("scale-out/compose.yaml")).get(0).path("services");
    List<String> replicas = new ArrayList<>();
    services
        .fieldNames()
        .forEachRemaining(
            s -> {
              if (s.startsWith("llmtail")) {
                replicas.add(s + ":5317");
              }
            });
    assertThat(hosts).containsExactlyInAnyOrderElementsOf(replicas).hasSize(3);
  }

  @Test
  void llmtailSendsKeptTracesToTheCollectorsSampledReceiver() throws IOException {
    for (String recipe : List.of("sidecar", "scale-out")) {
      JsonNode collector = documents(DOCKER.resolve(recipe + "/otelcol.yaml")).get(0);
      assertThat(collector.at("/receivers/otlp~1sampled/protocols/grpc/endpoint").asText())
          .isEqualTo("0.0.0.0:4417");
      JsonNode compose = documents(DOCKER.resolve(recipe + "/compose.yaml")).get(0);
      // YAML merge keys (<<: *llmtail) are not expanded by Jackson: fall back to the anchor.
      String shared = compose.at("/x-llmtail/environment/LLMTAIL_EXPORTER_ENDPOINT").asText();
      compose
          .path("services")
          .properties()
          .forEach(
              s -> {
                if (s.getKey().startsWith("llmtail")) {
                  String env =
                      s.getValue().at("/environment/LLMTAIL_EXPORTER_ENDPOINT").asText(shared);
                  assertThat(env.isEmpty() ? shared : env)
                      .as(recipe + " " + s.getKey())
                      .isEqualTo("collector:4417");
                }
              });
    }
    JsonNode sidecar = documents(DOCKER.resolve("sidecar/otelcol.yaml")).get(0);
    assertThat(sidecar.at("/exporters/otlp_grpc~1llmtail/endpoint").asText())
        .isEqualTo("llmtail:5317");
  }

  @Test
  void kubernetesPodProbesTheAdminEndpointsAndMountsAValidLlmtailConfig() throws Exception {
    List<JsonNode> docs = documents(DOCKER.resolve("kubernetes/llmtail.yaml"));
    assertThat(docs)
        .extracting(d -> d.path("kind").asText())
        .containsExactly("ConfigMap", "Deployment", "Service");
    JsonNode containers = docs.get(1).at("/spec/template/spec/containers");
    JsonNode llmtail = null;
    for (JsonNode c : containers) {
      if (c.path("name").asText().equals("llmtail")) {
        llmtail = c;
      }
    }
    assertThat(containers).hasSize(2);
    assertThat(llmtail).isNotNull();
    assertThat(llmtail.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(llmtail.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    assertThat(llmtail.at("/ports/0/containerPort").asInt()).isEqualTo(5319);

    String yaml = configMap().at("/data/llmtail.yaml").asText();
    LlmtailConfig config =
        ConfigLoader.withEnvironment(Map.of()).parse(Path.of("llmtail.yaml"), yaml);
    Schema schema =
        SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(
                Files.readString(Path.of("../config/llmtail.schema.json")), InputFormat.JSON);
    assertThat(schema.validate(YAML.readTree(yaml))).isEmpty();
    assertThat(config.admin().endpoint()).isEqualTo("0.0.0.0:5319");
    assertThat(config.exporter().otlp().endpoint()).isEqualTo("127.0.0.1:4417");
    JsonNode collector = YAML.readTree(configMap().at("/data/otelcol.yaml").asText());
    assertThat(collector.at("/receivers/otlp~1sampled/protocols/grpc/endpoint").asText())
        .isEqualTo("127.0.0.1:4417");
    assertThat(collector.at("/exporters/otlp_grpc~1llmtail/endpoint").asText())
        .isEqualTo(config.receivers().grpc().endpoint());
  }

  @Test
  void everyRecipeOpensAdminBeyondLoopbackOnlyWithATokenAndPublishesItOnTheHostsLoopback()
      throws Exception {
    for (String recipe : List.of("sidecar", "scale-out")) {
      JsonNode compose = documents(DOCKER.resolve(recipe + "/compose.yaml")).get(0);
      JsonNode shared = compose.at("/x-llmtail/environment");
      compose
          .path("services")
          .properties()
          .forEach(
              s -> {
                if (!s.getKey().startsWith("llmtail")) {
                  return;
                }
                JsonNode env =
                    s.getValue().path("environment").isMissingNode()
                        ? shared
                        : s.getValue().path("environment");
                assertThat(env.path("LLMTAIL_ADMIN_ENDPOINT").asText())
                    .as(recipe + " " + s.getKey())
                    .isEqualTo("0.0.0.0:5319");
                assertThat(env.path("LLMTAIL_ADMIN_TOKEN").asText())
                    .isEqualTo("${LLMTAIL_ADMIN_TOKEN:-}");
                s.getValue()
                    .path("ports")
                    .forEach(
                        port ->
                            assertThat(port.asText())
                                .as(recipe + " " + s.getKey() + " published port")
                                .startsWith("127.0.0.1:"));
              });
    }

    List<JsonNode> kubernetes = documents(DOCKER.resolve("kubernetes/llmtail.yaml"));
    JsonNode token = null;
    for (JsonNode c : kubernetes.get(1).at("/spec/template/spec/containers")) {
      for (JsonNode e : c.path("env")) {
        if (e.path("name").asText().equals("LLMTAIL_ADMIN_TOKEN")) {
          token = e;
        }
      }
    }
    assertThat(token).as("the llmtail container's LLMTAIL_ADMIN_TOKEN").isNotNull();
    assertThat(token.at("/valueFrom/secretKeyRef/optional").asBoolean()).isTrue();
    LlmtailConfig pod =
        ConfigLoader.withEnvironment(Map.of("LLMTAIL_ADMIN_TOKEN", "0123456789abcdef"))
            .parse(Path.of("llmtail.yaml"), configMap().at("/data/llmtail.yaml").asText());
    assertThat(pod.admin().loopbackOnly()).isFalse();
    assertThat(pod.admin().bearerToken()).isEqualTo("0123456789abcdef");

    // The images set the endpoint explicitly: llmtail's own default is loopback only.
    assertThat(Files.readString(DOCKER.resolve("Dockerfile")))
        .contains("LLMTAIL_ADMIN_ENDPOINT=0.0.0.0:5319");
    assertThat(Files.readString(Path.of("pom.xml")))
        .contains("<LLMTAIL_ADMIN_ENDPOINT>0.0.0.0:5319</LLMTAIL_ADMIN_ENDPOINT>");
    Path shipped = Path.of("../config/llmtail.yaml");
    assertThat(ConfigLoader.withEnvironment(Map.of()).load(shipped).admin().endpoint())
        .isEqualTo("localhost:5319");
    assertThat(
            ConfigLoader.withEnvironment(Map.of("LLMTAIL_ADMIN_ENDPOINT", "0.0.0.0:5319"))
                .load(shipped)
                .admin()
                .loopbackOnly())
        .isFalse();
  }

  @Test
  void recipesWithTheSpanLogSetNoSpillDirectoryBesideIt() throws Exception {
    // The image runs config/llmtail.yaml with the span log on (LLMTAIL_STORAGE_DIRECTORY): a spill
    // directory beside it is ignored with a WARNING at every start.
    Path shipped = Path.of("../config/llmtail.yaml");
    for (String compose : List.of("sidecar/compose.yaml", "scale-out/compose.yaml")) {
      Map<String, String> env = new java.util.HashMap<>();
      env.put("LLMTAIL_STORAGE_DIRECTORY", "/var/lib/llmtail/data");
      documents(DOCKER.resolve(compose))
          .get(0)
          .findValues("environment")
          .forEach(e -> e.properties().forEach(f -> env.put(f.getKey(), f.getValue().asText())));
      LlmtailConfig config = ConfigLoader.withEnvironment(env).load(shipped);
      assertThat(config.storage().enabled()).as(compose).isTrue();
      assertThat(config.exporter().otlp().spill().enabled()).as(compose).isFalse();
      assertThat(Files.readString(DOCKER.resolve(compose)))
          .as(compose + ": a volume for the span log")
          .contains(":/var/lib/llmtail/data");
    }
    LlmtailConfig pod =
        ConfigLoader.withEnvironment(Map.of())
            .parse(Path.of("llmtail.yaml"), configMap().at("/data/llmtail.yaml").asText());
    assertThat(pod.storage().enabled()).isTrue();
    assertThat(pod.exporter().otlp().spill().enabled()).isFalse();
  }

  @Test
  void docsDeployMirrorsEveryRecipeFileAsShipped() throws IOException {
    String doc = Files.readString(Path.of("../docs/deploy.md"));
    java.util.regex.Matcher block =
        java.util.regex.Pattern.compile(
                "<!-- mirrors (\\S+): [^>]*-->\n```yaml\n(.*?)```\n",
                java.util.regex.Pattern.DOTALL)
            .matcher(doc);
    Set<String> mirrored = new HashSet<>();
    while (block.find()) {
      Path file = Path.of("..", block.group(1));
      assertThat(block.group(2))
          .as("docs/deploy.md copy of " + block.group(1))
          .isEqualTo(Files.readString(file));
      mirrored.add(block.group(1));
    }
    assertThat(mirrored)
        .containsExactlyInAnyOrder(
            "docker/sidecar/otelcol.yaml",
            "docker/sidecar/compose.yaml",
            "docker/scale-out/otelcol.yaml",
            "docker/scale-out/compose.yaml",
            "docker/kubernetes/llmtail.yaml",
            "docker/kafka/otelcol.yaml",
            "docker/kafka/llmtail.yaml",
            "docker/kafka/compose.yaml",
            "docker/kafka/kubernetes.yaml");
  }

  private static KafkaReceiverConfig kafkaReceiver(String name, String yaml) throws Exception {
    LlmtailConfig config =
        ConfigLoader.withEnvironment(
                Map.of("KAFKA_BROKERS", "kafka:9092", "LLMTAIL_EXPORTER_ENDPOINT", "c:4417"))
            .parse(Path.of(name), yaml);
    assertThat(config.receivers().kafka()).as(name + ": receivers.kafka").isNotNull();
    return config.receivers().kafka();
  }

  @Test
  void theKafkaRecipeReadsWhatItsCollectorWritesAndScalesItsConsumerGroupOnLag() throws Exception {
    JsonNode exporter =
        documents(DOCKER.resolve("kafka/otelcol.yaml")).get(0).at("/exporters/kafka");
    assertThat(exporter.path("partition_traces_by_id").asBoolean()).isTrue();
    assertThat(exporter.path("partition_logs_by_trace_id").asBoolean()).isTrue();
    List<JsonNode> k8s = documents(DOCKER.resolve("kafka/kubernetes.yaml"));
    JsonNode scaler =
        k8s.stream().filter(d -> d.path("kind").asText().equals("ScaledObject")).findFirst().get();
    JsonNode deployment =
        k8s.stream().filter(d -> d.path("kind").asText().equals("Deployment")).findFirst().get();
    String configMapYaml =
        k8s.stream()
            .filter(d -> d.path("kind").asText().equals("ConfigMap"))
            .findFirst()
            .get()
            .at("/data/llmtail.yaml")
            .asText();
    for (KafkaReceiverConfig kafka :
        List.of(
            kafkaReceiver(
                "kafka/llmtail.yaml", Files.readString(DOCKER.resolve("kafka/llmtail.yaml"))),
            kafkaReceiver("kafka/kubernetes.yaml ConfigMap", configMapYaml))) {
      assertThat(kafka.traces().topic()).isEqualTo(exporter.at("/traces/topic").asText());
      assertThat(kafka.traces().encoding()).isEqualTo(exporter.at("/traces/encoding").asText());
      assertThat(kafka.logs().topic()).isEqualTo(exporter.at("/logs/topic").asText());
      assertThat(kafka.logs().encoding()).isEqualTo(exporter.at("/logs/encoding").asText());
      assertThat(scaler.at("/spec/triggers/0/metadata/consumerGroup").asText())
          .isEqualTo(kafka.groupId());
      assertThat(scaler.at("/spec/triggers/0/metadata/topic").asText())
          .isEqualTo(kafka.traces().topic());
    }
    assertThat(scaler.at("/spec/triggers/0/type").asText()).isEqualTo("kafka");
    assertThat(scaler.at("/spec/scaleTargetRef/name").asText())
        .isEqualTo(deployment.at("/metadata/name").asText());
    assertThat(
            deployment.at("/spec/template/spec/containers/0/readinessProbe/httpGet/path").asText())
        .isEqualTo("/readyz");
  }
}
