package dev.llmtail.server;

import dev.llmtail.server.config.ConfigException;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.server.tls.TestCertificates;
import dev.llmtail.testing.TraceBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.JaasUtils;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * One KRaft Kafka node (broker and controller) inside the test JVM, on loopback ports the OS
 * chooses, and a producer that writes as the Collector's {@code kafka} exporter does with {@code
 * partition_traces_by_id}: key = the trace id in lower-case hex, partition = Sarama's FNV-1a hash
 * of the key.
 */
final class KafkaBroker implements AutoCloseable {

  private final KafkaClusterTestKit cluster;
  private final Admin admin;
  private final KafkaProducer<byte[], byte[]> producer;

  /** The SASL/PLAIN user the test kit creates as a super user when its listener is SASL. */
  static final String SASL_USER = JaasUtils.KAFKA_PLAIN_ADMIN;

  static final String SASL_PASSWORD = JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD;

  private KafkaBroker(KafkaClusterTestKit cluster, Map<String, Object> clientSecurity) {
    this.cluster = cluster;
    Map<String, Object> client = new HashMap<>(clientSecurity);
    client.put("bootstrap.servers", cluster.bootstrapServers());
    this.admin = Admin.create(client);
    Map<String, Object> p = new HashMap<>(client);
    p.put("acks", "all");
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  static KafkaBroker start() throws Exception {
    return start(SecurityProtocol.PLAINTEXT, Map.of(), Map.of());
  }

  /**
   * A broker whose client listener is {@code SASL_PLAINTEXT} with the PLAIN mechanism and the test
   * kit's users ({@link #SASL_USER}); the controller's listener too, as the kit's authorizer needs.
   */
  static KafkaBroker startSasl() throws Exception {
    return start(
        SecurityProtocol.SASL_PLAINTEXT,
        Map.of(),
        Map.of(
            "security.protocol",
            "SASL_PLAINTEXT",
            "sasl.mechanism",
            "PLAIN",
            "sasl.jaas.config",
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + SASL_USER
                + "\" password=\""
                + SASL_PASSWORD
                + "\";"));
  }

  /**
   * A broker whose client listener is {@code SSL} with a certificate for localhost and 127.0.0.1
   * signed by a test CA written to {@code dir} ({@code kafka-ca.crt}); the controller stays
   * plaintext.
   */
  static KafkaBroker startTls(Path dir) throws Exception {
    TestCertificates ca = TestCertificates.ca(dir, "kafka-ca");
    TestCertificates.Leaf server = ca.server("kafka");
    String caPem = Files.readString(ca.caFile());
    // The kit accepts only PLAINTEXT and SASL_PLAINTEXT listeners: its client listener (EXTERNAL)
    // is mapped to SSL over its PLAINTEXT one.
    return start(
        SecurityProtocol.PLAINTEXT,
        Map.of(
            "listener.security.protocol.map",
            "EXTERNAL:SSL,CONTROLLER:PLAINTEXT",
            "ssl.keystore.type",
            "PEM",
            "ssl.keystore.certificate.chain",
            Files.readString(server.certFile()),
            "ssl.keystore.key",
            Files.readString(server.keyFile()),
            "ssl.truststore.type",
            "PEM",
            "ssl.truststore.certificates",
            caPem),
        Map.of(
            "security.protocol", "SSL",
            "ssl.truststore.type", "PEM",
            "ssl.truststore.certificates", caPem));
  }

  private static KafkaBroker start(
      SecurityProtocol protocol, Map<String, Object> brokerProps, Map<String, Object> clientProps)
      throws Exception {
    KafkaClusterTestKit.Builder builder =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBrokerSecurityProtocol(protocol)
                    .setControllerSecurityProtocol(
                        protocol == SecurityProtocol.SASL_PLAINTEXT
                            ? protocol
                            : SecurityProtocol.PLAINTEXT)
                    .build())
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("offsets.topic.num.partitions", "1")
            .setConfigProp("group.consumer.heartbeat.interval.ms", "500")
            .setConfigProp("group.consumer.min.heartbeat.interval.ms", "500")
            .setConfigProp("group.consumer.session.timeout.ms", "6000")
            .setConfigProp("group.consumer.min.session.timeout.ms", "6000");
    brokerProps.forEach(builder::setConfigProp);
    KafkaClusterTestKit cluster = builder.build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    return new KafkaBroker(cluster, clientProps);
  }

  /**
   * An llmtail config for a test: every port on loopback, the {@code errors} policy, kept traces to
   * {@code sink}, reading from {@code brokers} with the {@code receivers.kafka} keys {@code
   * kafkaKeys} and the {@code buffer} keys {@code bufferKeys} (YAML lines, one key each).
   */
  static LlmtailConfig llmtailConfig(
      String brokers, String sink, List<String> kafkaKeys, List<String> bufferKeys)
      throws ConfigException {
    return llmtailConfig(TestPorts.LOOPBACK, brokers, sink, kafkaKeys, bufferKeys);
  }

  /** YAML that turns both OTLP receivers off: Kafka is the only input. */
  static final String KAFKA_ONLY =
      """
      admin:
        endpoint: 127.0.0.1:0
      receivers:
        grpc:
          enabled: false
        http:
          enabled: false
      """;

  /**
   * As {@link #llmtailConfig(String, String, List, List)}, with {@code admin} and the OTLP
   * receivers from {@code otlpReceivers} ({@link TestPorts#LOOPBACK} or {@link #KAFKA_ONLY}).
   */
  static LlmtailConfig llmtailConfig(
      String otlpReceivers,
      String brokers,
      String sink,
      List<String> kafkaKeys,
      List<String> bufferKeys)
      throws ConfigException {
    return ConfigLoader.withEnvironment(Map.of())
        .parse(
            Path.of("kafka-test.yaml"),
            llmtailYaml(otlpReceivers, brokers, sink, kafkaKeys, bufferKeys));
  }

  /** The text of {@link #llmtailConfig(String, String, String, List, List)}, for a process. */
  static String llmtailYaml(
      String otlpReceivers,
      String brokers,
      String sink,
      List<String> kafkaKeys,
      List<String> bufferKeys) {
    return otlpReceivers
        + """
              kafka:
                brokers:
                  - %s
            """
            .formatted(brokers)
        + indent(kafkaKeys, "    ")
        + "buffer:\n"
        + indent(bufferKeys, "  ")
        + """
            policies:
              - name: errors
                type: status_code
                status_codes: [ERROR]
            exporter:
              otlp:
                endpoint: %s
                batch_timeout: 20ms
                retry:
                  initial_interval: 100ms
                  max_interval: 500ms
            """
            .formatted(sink);
  }

  private static String indent(List<String> lines, String by) {
    StringBuilder out = new StringBuilder();
    lines.forEach(line -> out.append(by).append(line).append('\n'));
    return out.toString();
  }

  String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  void createTopics(int partitions, String... topics) throws Exception {
    admin
        .createTopics(
            java.util.Arrays.stream(topics)
                .map(t -> new NewTopic(t, partitions, (short) 1))
                .toList())
        .all()
        .get(30, TimeUnit.SECONDS);
  }

  /** The partition the Collector's exporter picks for {@code traceIdHex} (Sarama's hash). */
  static int partitionOf(String traceIdHex, int partitions) {
    int hash = 0x811c9dc5;
    for (byte b : traceIdHex.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x01000193;
    }
    int partition = hash % partitions;
    return partition < 0 ? -partition : partition;
  }

  /** Writes one message of one trace, keyed and partitioned as the Collector's exporter does. */
  long send(String topic, int partitions, byte[] traceId, byte[] payload) throws Exception {
    String key = HexFormat.of().formatHex(traceId);
    return producer
        .send(
            new ProducerRecord<>(
                topic,
                partitionOf(key, partitions),
                key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                payload))
        .get(30, TimeUnit.SECONDS)
        .offset();
  }

  /**
   * Creates {@code otlp_spans} and {@code otlp_logs} with one partition each and writes one trace
   * whose root failed to the spans topic; returns it.
   */
  TraceBuilder writeOneFailedTrace() throws Exception {
    createTopics(1, "otlp_spans", "otlp_logs");
    TraceBuilder failed = TraceBuilder.trace();
    failed.root("POST /chat").error("upstream 500");
    send("otlp_spans", 1, failed);
    return failed;
  }

  /** Writes the export request of {@code message} as one message, keyed by its trace id. */
  long send(String topic, int partitions, TraceBuilder message) throws Exception {
    return send(
        topic,
        partitions,
        HexFormat.of().parseHex(message.traceIdHex()),
        message.request().toByteArray());
  }

  /** The group's committed offsets. */
  Map<TopicPartition, Long> committed(String groupId) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        admin
            .listConsumerGroupOffsets(groupId)
            .partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS);
    Map<TopicPartition, Long> result = new HashMap<>();
    offsets.forEach((tp, o) -> result.put(tp, o == null ? -1L : o.offset()));
    return result;
  }

  List<String> topics() throws Exception {
    return List.copyOf(admin.listTopics().names().get(30, TimeUnit.SECONDS));
  }

  @Override
  public void close() {
    producer.close();
    admin.close();
    try {
      cluster.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IllegalStateException("stopping the test broker failed", e);
    }
  }
}
