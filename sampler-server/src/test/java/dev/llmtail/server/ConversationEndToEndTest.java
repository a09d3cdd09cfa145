package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.core.SamplingAnnotations;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.OtlpTestSink;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole conversations through the shipped config, with the OpenTelemetry SDK exporter as client:
 * when one turn is kept on evidence, the earlier turns the span log still holds are exported
 * (promoted) and the later ones are kept too — in every dialect that carries a conversation id.
 */
class ConversationEndToEndTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private OtlpTestSink sink;
  private Sidecar llmtail;
  private OtlpGrpcSpanExporter client;
  private AdminClient admin;

  private void start(Map<String, String> environment) throws Exception {
    sink = OtlpTestSink.start();
    Map<String, String> variables = new java.util.HashMap<>(environment);
    variables.put("LLMTAIL_EXPORTER_ENDPOINT", sink.endpoint());
    LlmtailConfig config = TestPorts.shippedConfig("200ms", variables);
    llmtail = Sidecar.start(config, meters, Duration.ofSeconds(5));
    client =
        OtlpGrpcSpanExporter.builder()
            .setEndpoint("http://127.0.0.1:" + llmtail.grpcPort())
            .build();
    admin = new AdminClient(llmtail);
  }

  @AfterEach
  void stop() {
    if (admin != null) {
      admin.close();
    }
    if (client != null) {
      client.shutdown().join(10, TimeUnit.SECONDS);
    }
    if (llmtail != null) {
      llmtail.close();
    }
    if (sink != null) {
      sink.close();
    }
  }

  static Stream<Dialect> dialectsWithConversations() {
    return Arrays.stream(Dialect.values()).filter(Dialect::expressesConversation);
  }

  /** Turn {@code n}: a trace id far below the 5 % baseline, so only evidence can keep it. */
  private static TraceBuilder turn(Dialect dialect, String conversation, int n, LlmCallSpec call) {
    return LlmTraces.chat(
        "4bf92f3577b34da6a30000000000%02x%02x"
            .formatted(List.of(Dialect.values()).indexOf(dialect), n),
        dialect,
        call.conversation(conversation).prompt("question " + n + " of " + conversation));
  }

  private void send(TraceBuilder trace) {
    assertThat(
            client
                .export(SdkSpans.of(trace.resourceSpans()))
                .join(10, TimeUnit.SECONDS)
                .isSuccess())
        .isTrue();
  }

  private void sendDecided(TraceBuilder trace) {
    send(trace);
    await().atMost(WAIT).until(() -> admin.state(trace.traceIdHex()).equals("decided"));
  }

  private static Optional<String> attribute(Span s, String key) {
    return s.getAttributesList().stream()
        .filter(kv -> kv.getKey().equals(key))
        .map(KeyValue::getValue)
        .map(v -> v.hasBoolValue() ? String.valueOf(v.getBoolValue()) : v.getStringValue())
        .findFirst();
  }

  private void assertArrivedOnce(TraceBuilder trace, String reason, boolean promoted) {
    await()
        .atMost(WAIT)
        .until(() -> sink.spansOf(trace.traceIdHex()).size() >= trace.view().spanCount());
    assertThat(sink.spansOf(trace.traceIdHex())).hasSize(trace.view().spanCount());
    for (Span s : sink.spansOf(trace.traceIdHex())) {
      assertThat(attribute(s, SamplingAnnotations.REASON)).hasValue(reason);
      assertThat(attribute(s, SamplingAnnotations.PROMOTED))
          .isEqualTo(promoted ? Optional.of("true") : Optional.empty());
    }
  }

  @ParameterizedTest
  @MethodSource("dialectsWithConversations")
  void aConversationOfFourTurnsWhereTurnThreeIsRefusedArrivesWhole(Dialect dialect)
      throws Exception {
    start(Map.of());
    String conversation = "support-" + dialect.name().toLowerCase(Locale.ROOT);
    TraceBuilder first = turn(dialect, conversation, 1, LlmCallSpec.healthy());
    TraceBuilder second = turn(dialect, conversation, 2, LlmCallSpec.healthy());
    TraceBuilder refused =
        turn(dialect, conversation, 3, LlmCallSpec.healthy().finishReason("content_filter"));
    TraceBuilder fourth = turn(dialect, conversation, 4, LlmCallSpec.healthy());
    sendDecided(first);
    sendDecided(second);
    assertThat(sink.spans()).as("two healthy turns: dropped").isEmpty();

    sendDecided(refused);
    assertArrivedOnce(refused, "kept by refusals", false);
    assertArrivedOnce(first, "kept with conversation " + conversation, true);
    assertArrivedOnce(second, "kept with conversation " + conversation, true);

    sendDecided(fourth);
    assertArrivedOnce(fourth, "kept with conversation " + conversation, false);
    assertThat(admin.json("/debug/traces/" + first.traceIdHex()).path("explanation").asText())
        .contains("no policy matched. Then kept at ")
        .contains("kept with conversation " + conversation);
    String metrics = admin.get("/metrics").body();
    assertThat(metrics)
        .contains("llmtail_conversations_kept_total{turn=\"earlier\"} 2.0")
        .contains("llmtail_conversations_kept_total{turn=\"later\"} 1.0")
        .contains("llmtail_promotions_total{policy=\"conversation\"} 2.0");
    await().atMost(WAIT).until(() -> llmtail.ledger().unaccounted() == 0);
  }
}
