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
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shipped policy set over loopback: a mix of LLM failures in several dialects and benign
 * traffic goes through the OpenTelemetry SDK exporter into llmtail; every failure must arrive at
 * the backend, and the benign traces only at the baseline rate.
 */
class LlmEndToEndTest {

  private static final int BENIGN = 600;

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private OtlpTestSink sink;
  private Sidecar llmtail;
  private OtlpGrpcSpanExporter client;

  @BeforeEach
  void start() throws Exception {
    sink = OtlpTestSink.start();
    // The shipped config as it is, with a short quiet period so the test does not wait 10 s.
    LlmtailConfig config =
        TestPorts.shippedConfig("300ms", Map.of("LLMTAIL_EXPORTER_ENDPOINT", sink.endpoint()));
    llmtail = Sidecar.start(config, meters, Duration.ofSeconds(5));
    client =
        OtlpGrpcSpanExporter.builder()
            .setEndpoint("http://127.0.0.1:" + llmtail.grpcPort())
            .build();
  }

  @AfterEach
  void stop() {
    client.shutdown().join(10, TimeUnit.SECONDS);
    llmtail.close();
    sink.close();
  }

  /**
   * Each failure of the catalogue, in a dialect that expresses it, and the policy that must keep
   * it.
   */
  private static Map<TraceBuilder, String> failures() {
    Map<TraceBuilder, String> f = new LinkedHashMap<>();
    f.put(
        LlmTraces.chat(
            Dialect.OTEL_GENAI,
            LlmCallSpec.healthy()
                .output(
                    "Sure - run rm -rf ~/acme on the server and re-register with the new address.")),
        "flagged");
    f.put(
        LlmTraces.chat(Dialect.OPENINFERENCE, LlmCallSpec.healthy().finishReason("content_filter")),
        "refusals");
    f.put(
        LlmTraces.chat(
            Dialect.OTEL_GENAI_LEGACY,
            LlmCallSpec.healthy().refusalMessage("I'm sorry, but I can't help with that.")),
        "refusals");
    f.put(
        LlmTraces.chat(
            Dialect.TRACELOOP_LEGACY,
            LlmCallSpec.healthy().error("429").finishReason(null).usage(null, null).at(0, 100),
            LlmCallSpec.healthy().error("429").finishReason(null).usage(null, null).at(200, 100),
            LlmCallSpec.healthy().at(600, 900)),
        "retry-storms");
    f.put(
        LlmTraces.chat(
            Dialect.VERCEL_AI_SDK, LlmCallSpec.healthy().streaming().finishReason("length")),
        "truncated-streams");
    f.put(
        LlmTraces.chat(Dialect.VERCEL_AI_SDK, LlmCallSpec.healthy().streaming().unended()),
        "truncated-streams");
    f.put(
        LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy().usage(150_000L, 30_000L)),
        "expensive");
    f.put(
        LlmTraces.chat(
            Dialect.SPRING_AI,
            LlmCallSpec.healthy()
                .provider("anthropic")
                .models("claude-sonnet-4-5", "claude-3-5-haiku-20241022")),
        "substituted-models");
    f.put(
        LlmTraces.chat(
            Dialect.OTEL_GENAI,
            LlmCallSpec.healthy().usage(30_000L, 200L).cache(0L, null).afterTurns("Here you go.")),
        "cold-caches");
    f.put(
        LlmTraces.chat(
            Dialect.OTEL_GENAI,
            LlmCallSpec.healthy()
                .streaming()
                .prompt("long prompt")
                .finishReason(null)
                .usage(9_000L, 700L)
                .at(0, 30_000),
            LlmCallSpec.healthy()
                .streaming()
                .prompt("long prompt")
                .usage(9_000L, 900L)
                .at(31_000, 9_000)),
        "double-billed");
    f.put(
        LlmTraces.chat(
            Dialect.OTEL_GENAI,
            LlmCallSpec.healthy()
                .streaming()
                .usage(1_000L, 900L)
                .attribute("app.delivered_output_tokens", 100L)),
        "billing-gaps");
    f.put(
        LlmTraces.chat(
            Dialect.OPENINFERENCE,
            LlmCallSpec.healthy()
                .usage(12_000L, 100L)
                .attribute("app.estimated_input_tokens", 7_000L)),
        "token-drift");
    f.put(LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy().error("500")), "errors");
    return f;
  }

  private static String attribute(Span s, String key) {
    for (KeyValue kv : s.getAttributesList()) {
      if (kv.getKey().equals(key)) {
        return kv.getValue().hasDoubleValue()
            ? Double.toString(kv.getValue().getDoubleValue())
            : kv.getValue().getStringValue();
      }
    }
    return null;
  }

  private double decided() {
    return meters.find("llmtail.decisions").counters().stream().mapToDouble(c -> c.count()).sum();
  }

  @Test
  void anEvaluationThatArrivesAsALogRecordKeepsItsTraceAndTravelsWithIt() {
    // Trace ids whose randomness is far below the 5 % baseline threshold: only the evaluation can
    // keep them.
    TraceBuilder judgedBad = TraceBuilder.trace("4bf92f3577b34da6a300000000000011");
    judgedBad.root("POST /chat").durationMillis(1500);
    String badCall =
        Dialect.OTEL_GENAI.write(judgedBad.child("handler"), LlmCallSpec.healthy()).spanIdHex();
    TraceBuilder judgedGood = TraceBuilder.trace("4bf92f3577b34da6a300000000000012");
    judgedGood.root("POST /chat").durationMillis(1500);
    String goodCall =
        Dialect.OTEL_GENAI.write(judgedGood.child("handler"), LlmCallSpec.healthy()).spanIdHex();

    OtlpGrpcLogRecordExporter logs =
        OtlpGrpcLogRecordExporter.builder()
            .setEndpoint("http://127.0.0.1:" + llmtail.grpcPort())
            .build();
    try {
      List<SpanData> spans = new ArrayList<>(SdkSpans.of(judgedBad.resourceSpans()));
      spans.addAll(SdkSpans.of(judgedGood.resourceSpans()));
      assertThat(client.export(spans).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(
              logs.export(
                      List.of(
                          SdkLogs.evaluation(judgedBad.traceIdHex(), badCall, "incorrect"),
                          SdkLogs.evaluation(judgedGood.traceIdHex(), goodCall, "correct")))
                  .join(10, TimeUnit.SECONDS)
                  .isSuccess())
          .isTrue();
    } finally {
      logs.shutdown().join(10, TimeUnit.SECONDS);
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> decided() == 2);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> sink.logRecords().size() == 1 && !sink.spansOf(judgedBad.traceIdHex()).isEmpty());
    // With a 300 ms quiet period a loaded machine may decide the trace before the record arrives;
    // the record then keeps it as late evidence ("kept by flagged on late evidence"). Either way
    // the evaluation is what keeps it.
    assertThat(attribute(sink.spansOf(judgedBad.traceIdHex()).get(0), SamplingAnnotations.REASON))
        .startsWith("kept by flagged");
    assertThat(sink.logRecords().get(0).getSpanId().toByteArray())
        .isEqualTo(java.util.HexFormat.of().parseHex(badCall));
    assertThat(sink.spansOf(judgedGood.traceIdHex())).isEmpty();

    // Usage is counted at ingest for both traces, kept or dropped: 2 × (1200 × $2.50/M + 300 ×
    // $10/M).
    assertThat(
            meters
                .counter("llmtail.llm.calls", "provider", "openai", "model", "gpt-4o-2024-08-06")
                .count())
        .isEqualTo(2);
    assertThat(
            meters
                .counter("llmtail.llm.cost", "provider", "openai", "model", "gpt-4o-2024-08-06")
                .count())
        .isCloseTo(0.012, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void keepsEveryLlmFailureAndOnlyTheBaselineOfBenignTraffic() {
    Map<TraceBuilder, String> failures = failures();
    List<TraceBuilder> benign = new ArrayList<>();
    Dialect[] dialects = Dialect.values();
    for (int i = 0; i < BENIGN; i++) {
      benign.add(
          LlmTraces.chat(
              dialects[i % dialects.length], LlmCallSpec.healthy().prompt("question " + i)));
    }
    List<TraceBuilder> all = new ArrayList<>(failures.keySet());
    all.addAll(benign);
    for (int from = 0; from < all.size(); from += 50) {
      List<SpanData> batch = new ArrayList<>();
      for (TraceBuilder t : all.subList(from, Math.min(all.size(), from + 50))) {
        batch.addAll(SdkSpans.of(t.resourceSpans()));
      }
      assertThat(client.export(batch).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    }

    await().atMost(Duration.ofSeconds(30)).until(() -> decided() == all.size());
    // Every kept trace was queued when it was decided; an empty queue means all were sent.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> meters.find("llmtail.exporter.queue.spans").gauge().value() == 0);

    failures.forEach(
        (trace, policy) -> {
          int expectedSpans = trace.resourceSpans().getScopeSpans(0).getSpansCount();
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> sink.spansOf(trace.traceIdHex()).size() == expectedSpans);
          assertThat(attribute(sink.spansOf(trace.traceIdHex()).get(0), SamplingAnnotations.REASON))
              .as("trace %s", trace.traceIdHex())
              .contains(policy);
        });

    List<TraceBuilder> keptBenign =
        benign.stream().filter(t -> !sink.spansOf(t.traceIdHex()).isEmpty()).toList();
    // 5 % of 600 is 30; five standard deviations either side.
    assertThat(keptBenign.size()).isBetween(4, 56);
    for (TraceBuilder t : keptBenign) {
      Span s = sink.spansOf(t.traceIdHex()).get(0);
      assertThat(attribute(s, SamplingAnnotations.REASON)).isEqualTo("kept by baseline");
      assertThat(attribute(s, SamplingAnnotations.ADJUSTED_COUNT)).isEqualTo("20.0");
    }
  }
}
