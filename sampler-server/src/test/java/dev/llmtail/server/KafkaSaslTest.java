package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.testing.OtlpTestSink;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code receivers.kafka.auth.sasl} against a broker whose only client listener is {@code
 * SASL_PLAINTEXT} with the PLAIN mechanism: llmtail with the right password consumes and keeps a
 * failed trace; with a wrong one it gets no partition and {@code /readyz} turns 503. Tagged {@code
 * fault} (a broker of its own: ~25 s).
 */
@Tag("fault")
class KafkaSaslTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private static LlmtailConfig config(KafkaBroker broker, OtlpTestSink sink, String password)
      throws Exception {
    return KafkaBroker.llmtailConfig(
        TestPorts.LOOPBACK,
        broker.bootstrapServers(),
        sink.endpoint(),
        List.of(
            "group_id: llmtail-sasl",
            "initial_offset: earliest",
            "assignment_timeout: 3s",
            "auth:",
            "  sasl:",
            "    mechanism: PLAIN",
            "    username: " + KafkaBroker.SASL_USER,
            "    password: " + password),
        List.of("quiet_period: 300ms"));
  }

  @Test
  void consumesThroughASaslPlainListenerAndIsNotReadyWithAWrongPassword() throws Exception {
    try (KafkaBroker broker = KafkaBroker.startSasl();
        OtlpTestSink sink = OtlpTestSink.start()) {
      TraceBuilder failed = broker.writeOneFailedTrace();

      try (Sidecar wrong =
              Sidecar.start(
                  config(broker, sink, "not-the-password"),
                  new SimpleMeterRegistry(),
                  Duration.ofSeconds(5));
          AdminClient admin = new AdminClient(wrong)) {
        await().atMost(WAIT).until(() -> admin.get("/readyz").statusCode() == 503);
        assertThat(wrong.kafka().ownedPartitions()).isZero();
      }
      assertThat(sink.spansOf(failed.traceIdHex())).isEmpty();

      try (Sidecar llmtail =
          Sidecar.start(
              config(broker, sink, KafkaBroker.SASL_PASSWORD),
              new SimpleMeterRegistry(),
              Duration.ofSeconds(5))) {
        await().atMost(WAIT).until(() -> sink.spansOf(failed.traceIdHex()).size() == 1);
        assertThat(llmtail.kafka().ownedPartitions()).isEqualTo(2);
      }
    }
  }
}
