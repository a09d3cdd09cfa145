package dev.llmtail.server.config;

import dev.llmtail.server.tls.ClientTlsConfig;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code receivers.kafka} section: read OTLP from the topics the Collector's {@code kafka}
 * exporter writes, as one member of a consumer group. Key names are the Collector's {@code kafka}
 * receiver's. Absent (the default): no Kafka receiver.
 *
 * @param brokers {@code host:port} of the bootstrap brokers; default {@code localhost:9092}
 * @param clientId the consumer's client id; default {@code llmtail}
 * @param groupId the consumer group every llmtail instance of one deployment shares; default {@code
 *     llmtail}
 * @param initialOffset where a group without a committed offset starts: {@code latest} (default) or
 *     {@code earliest}
 * @param traces the spans topic; default {@code otlp_spans}, {@code otlp_proto}
 * @param logs the log records topic (GenAI events); default {@code otlp_logs}, {@code otlp_proto}
 * @param tls TLS to the brokers; default plaintext
 * @param auth SASL credentials; default none
 * @param assignmentTimeout how long {@code /readyz} stays ready without an assigned partition;
 *     default {@code 60s}
 */
public record KafkaReceiverConfig(
    List<String> brokers,
    String clientId,
    String groupId,
    String initialOffset,
    TopicConfig traces,
    TopicConfig logs,
    ClientTlsConfig tls,
    KafkaAuthConfig auth,
    Duration assignmentTimeout) {

  /** Payload encodings the Collector's {@code kafka} exporter writes that llmtail reads. */
  public static final Set<String> ENCODINGS = Set.of("otlp_proto", "otlp_json");

  public KafkaReceiverConfig {
    brokers =
        brokers == null || brokers.isEmpty() ? List.of("localhost:9092") : List.copyOf(brokers);
    for (String broker : brokers) {
      HostPort.parse("brokers", broker);
    }
    clientId = clientId == null || clientId.isBlank() ? "llmtail" : clientId;
    groupId = groupId == null || groupId.isBlank() ? "llmtail" : groupId;
    initialOffset =
        initialOffset == null ? "latest" : initialOffset.trim().toLowerCase(Locale.ROOT);
    if (!initialOffset.equals("latest") && !initialOffset.equals("earliest")) {
      throw new IllegalArgumentException(
          "initial_offset: " + initialOffset + " (expected: latest or earliest)");
    }
    traces =
        traces == null ? new TopicConfig("otlp_spans", "otlp_proto") : traces.orTopic("otlp_spans");
    logs = logs == null ? new TopicConfig("otlp_logs", "otlp_proto") : logs.orTopic("otlp_logs");
    if (traces.topic().equals(logs.topic())) {
      throw new IllegalArgumentException(
          "logs.topic: "
              + logs.topic()
              + " is also traces.topic (expected: separate topics, as the Collector's kafka"
              + " exporter writes them)");
    }
    tls = tls == null ? ClientTlsConfig.NONE : tls;
    assignmentTimeout = assignmentTimeout == null ? Duration.ofSeconds(60) : assignmentTimeout;
    if (assignmentTimeout.isNegative() || assignmentTimeout.isZero()) {
      throw new IllegalArgumentException(
          "assignment_timeout: " + assignmentTimeout + " (expected: > 0)");
    }
  }

  /** Whether TLS to the brokers is on: {@code insecure: false} or any TLS file. */
  public boolean tlsEnabled() {
    return Boolean.FALSE.equals(tls.insecure())
        || !tls.caFile().isEmpty()
        || !tls.certFile().isEmpty()
        || tls.insecureSkipVerify();
  }

  /**
   * One topic and its payload encoding.
   *
   * @param topic the topic name
   * @param encoding {@code otlp_proto} (default) or {@code otlp_json}
   */
  public record TopicConfig(String topic, String encoding) {
    public TopicConfig {
      encoding = encoding == null ? "otlp_proto" : encoding.trim();
      if (!ENCODINGS.contains(encoding)) {
        throw new IllegalArgumentException(
            "encoding: " + encoding + " (expected: otlp_proto or otlp_json)");
      }
    }

    TopicConfig orTopic(String defaultTopic) {
      return topic == null || topic.isBlank() ? new TopicConfig(defaultTopic, encoding) : this;
    }
  }

  /** The {@code auth} section: SASL, as the Collector's kafka receiver names it. */
  public record KafkaAuthConfig(SaslConfig sasl) {}

  /**
   * The {@code auth.sasl} section.
   *
   * @param mechanism {@code PLAIN}, {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}
   * @param username the SASL user
   * @param password the SASL password (use {@code ${env:…}})
   */
  public record SaslConfig(String mechanism, String username, String password) {
    static final Set<String> MECHANISMS = Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

    public SaslConfig {
      mechanism = mechanism == null ? "PLAIN" : mechanism.trim().toUpperCase(Locale.ROOT);
      if (!MECHANISMS.contains(mechanism)) {
        throw new IllegalArgumentException(
            "mechanism: " + mechanism + " (expected: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)");
      }
      if (username == null || username.isEmpty() || password == null) {
        throw new IllegalArgumentException(
            "username/password: missing (expected: both, for SASL " + mechanism + ")");
      }
    }
  }
}
