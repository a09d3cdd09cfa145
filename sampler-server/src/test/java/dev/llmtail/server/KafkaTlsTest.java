package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.testing.OtlpTestSink;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code receivers.kafka.tls} against a broker whose client listener is {@code SSL}, with a
 * certificate from a test CA: llmtail given the CA as {@code ca_file} consumes and keeps a failed
 * trace. Tagged {@code fault} (a broker of its own).
 */
@Tag("fault")
class KafkaTlsTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void consumesFromATlsListenerTrustingTheCaFile() throws Exception {
    try (KafkaBroker broker = KafkaBroker.startTls(dir);
        OtlpTestSink sink = OtlpTestSink.start()) {
      TraceBuilder failed = broker.writeOneFailedTrace();

      try (Sidecar llmtail =
          Sidecar.start(
              KafkaBroker.llmtailConfig(
                  KafkaBroker.KAFKA_ONLY,
                  broker.bootstrapServers(),
                  sink.endpoint(),
                  List.of(
                      "group_id: llmtail-tls",
                      "initial_offset: earliest",
                      "tls:",
                      "  ca_file: " + dir.resolve("kafka-ca.crt")),
                  List.of("quiet_period: 300ms")),
              new SimpleMeterRegistry(),
              Duration.ofSeconds(5))) {
        assertThat(llmtail.config().receivers().kafka().tlsEnabled()).isTrue();
        await().atMost(WAIT).until(() -> sink.spansOf(failed.traceIdHex()).size() == 1);
        assertThat(llmtail.kafka().ownedPartitions()).isEqualTo(2);
      }
    }
  }
}
