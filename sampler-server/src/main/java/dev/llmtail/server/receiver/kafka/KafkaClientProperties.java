package dev.llmtail.server.receiver.kafka;

import dev.llmtail.server.config.KafkaReceiverConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code kafka-clients} consumer properties for a {@code receivers.kafka} section: manual
 * commits, the broker-side consumer protocol with the {@code range} assignor, TLS from PEM files,
 * SASL.
 */
final class KafkaClientProperties {

  private KafkaClientProperties() {}

  static Map<String, Object> consumer(KafkaReceiverConfig config) {
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", String.join(",", config.brokers()));
    p.put("client.id", config.clientId());
    p.put("group.id", config.groupId());
    p.put("enable.auto.commit", false);
    p.put("auto.offset.reset", config.initialOffset());
    // KIP-848: incremental revocation; "range" co-partitions the spans and logs topics.
    p.put("group.protocol", "consumer");
    p.put("group.remote.assignor", "range");
    p.put("max.poll.records", 500);
    boolean tls = config.tlsEnabled();
    KafkaReceiverConfig.SaslConfig sasl = config.auth() == null ? null : config.auth().sasl();
    p.put(
        "security.protocol",
        sasl != null ? (tls ? "SASL_SSL" : "SASL_PLAINTEXT") : (tls ? "SSL" : "PLAINTEXT"));
    if (tls) {
      if (!config.tls().caFile().isEmpty()) {
        p.put("ssl.truststore.type", "PEM");
        p.put("ssl.truststore.certificates", read(config.tls().caFile()));
      }
      if (!config.tls().certFile().isEmpty()) {
        p.put("ssl.keystore.type", "PEM");
        p.put("ssl.keystore.certificate.chain", read(config.tls().certFile()));
        p.put("ssl.keystore.key", read(config.tls().keyFile()));
      }
      if (config.tls().insecureSkipVerify()) {
        p.put("ssl.endpoint.identification.algorithm", "");
      }
    }
    if (sasl != null) {
      p.put("sasl.mechanism", sasl.mechanism());
      String module =
          sasl.mechanism().equals("PLAIN")
              ? "org.apache.kafka.common.security.plain.PlainLoginModule"
              : "org.apache.kafka.common.security.scram.ScramLoginModule";
      p.put(
          "sasl.jaas.config",
          module
              + " required username=\""
              + escape(sasl.username())
              + "\" password=\""
              + escape(sasl.password())
              + "\";");
    }
    return p;
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      // The config loader already read these files; this is a file changed since.
      throw new UncheckedIOException("reading " + file + " for receivers.kafka.tls", e);
    }
  }
}
