package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmtail.core.SamplingAnnotations;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.OtlpTestSink;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Evidence that arrives after its trace was dropped, sent with the OpenTelemetry SDK exporters as a
 * real client would: an evaluation that comes late promotes the trace, whose spans all reach the
 * backend once; one that comes after the span log let the trace go is counted and explained, and
 * the client's request still succeeds. Time is short instead of slept through: a 100 ms quiet
 * period stands for the shipped 10 s, and "later" is "after the decision", awaited.
 */
class LateEvidenceEndToEndTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private OtlpTestSink sink;
  private Sidecar llmtail;
  private OtlpGrpcSpanExporter spans;
  private OtlpGrpcLogRecordExporter logs;
  private AdminClient admin;

  /** Starts llmtail on the span log in {@code dir}; the backend outlives a restart. */
  private void start(String retention) throws Exception {
    start(retention, "10m");
  }

  /**
   * As {@link #start(String)}, with {@code decision_cache.ttl} {@code cacheTtl}: a short one stands
   * for evidence that comes after the shipped 10 minutes.
   */
  private void start(String retention, String cacheTtl) throws Exception {
    if (sink == null) {
      sink = OtlpTestSink.start();
    }
    String yaml =
        TestPorts.LOOPBACK
            + """
            buffer:
              quiet_period: 100ms
              max_trace_wait: 5m
            decision_cache:
              ttl: %s
            policies:
              - name: flagged
                type: semantic-flag
              - name: errors
                type: status_code
                status_codes: [ERROR]
            exporter:
              otlp:
                endpoint: ${env:BACKEND}
            storage:
              directory: ${env:DATA}
              retention: %s
            """
                .formatted(cacheTtl, retention);
    llmtail =
        Sidecar.start(
            ConfigLoader.withEnvironment(
                    Map.of("BACKEND", sink.endpoint(), "DATA", dir.resolve("data").toString()))
                .parse(Path.of("late-evidence-test.yaml"), yaml),
            new SimpleMeterRegistry(),
            Duration.ofSeconds(5));
    String endpoint = "http://127.0.0.1:" + llmtail.grpcPort();
    spans = OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).build();
    logs = OtlpGrpcLogRecordExporter.builder().setEndpoint(endpoint).build();
    admin = new AdminClient(llmtail);
  }

  private void stopLlmtail() {
    if (admin != null) {
      admin.close();
    }
    if (spans != null) {
      spans.shutdown().join(10, TimeUnit.SECONDS);
      logs.shutdown().join(10, TimeUnit.SECONDS);
    }
    if (llmtail != null) {
      llmtail.close();
    }
  }

  @AfterEach
  void stop() {
    stopLlmtail();
    if (sink != null) {
      sink.close();
    }
  }

  /** A healthy chat call: no policy keeps it, so it is dropped and its spans retained. */
  private TraceBuilder droppedChat() {
    return droppedChat(LlmCallSpec.healthy());
  }

  private TraceBuilder droppedChat(LlmCallSpec call) {
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat").durationMillis(1500);
    Dialect.OTEL_GENAI.write(trace.child("handler"), call);
    assertThat(
            spans.export(SdkSpans.of(trace.resourceSpans())).join(10, TimeUnit.SECONDS).isSuccess())
        .isTrue();
    await().atMost(WAIT).until(() -> admin.state(trace.traceIdHex()).equals("decided"));
    assertThat(admin.json("/debug/traces/" + trace.traceIdHex()).at("/decision/outcome").asText())
        .isEqualTo("dropped");
    return trace;
  }

  /** An evaluator's verdict on the trace's LLM call, as a gen_ai.evaluation.result log record. */
  private boolean sendEvaluation(TraceBuilder trace, String label) {
    String call = trace.view().spans().get(trace.view().spans().size() - 1).spanIdHex();
    LogRecordData record = SdkLogs.evaluation(trace.traceIdHex(), call, label);
    return logs.export(List.of(record)).join(10, TimeUnit.SECONDS).isSuccess();
  }

  private static String attribute(Span s, String key) {
    return s.getAttributesList().stream()
        .filter(kv -> kv.getKey().equals(key))
        .map(KeyValue::getValue)
        .map(
            v ->
                v.hasBoolValue()
                    ? String.valueOf(v.getBoolValue())
                    : v.hasDoubleValue() ? String.valueOf(v.getDoubleValue()) : v.getStringValue())
        .findFirst()
        .orElse("");
  }

  /**
   * Awaits every span of the promoted trace at the backend, once, with the one evaluation that
   * promoted it, and everything accounted for; returns the span count.
   */
  private int awaitEverySpanOnceWithTheEvaluation(TraceBuilder trace) {
    int spanCount = trace.view().spanCount();
    await()
        .atMost(WAIT)
        .until(
            () ->
                sink.spansOf(trace.traceIdHex()).size() >= spanCount
                    && !sink.logRecords().isEmpty());
    await().atMost(WAIT).until(() -> llmtail.ledger().unaccounted() == 0);
    assertThat(sink.spansOf(trace.traceIdHex())).as("every span, once").hasSize(spanCount);
    assertThat(sink.logRecords()).as("the evaluation travels with its trace").hasSize(1);
    return spanCount;
  }

  @Test
  void anEvaluationSentAfterItsTraceWasDroppedPromotesItAndEverySpanArrivesOnce() throws Exception {
    start("1h");
    TraceBuilder trace = droppedChat();
    assertThat(sink.spansOf(trace.traceIdHex())).isEmpty();

    assertThat(sendEvaluation(trace, "incorrect")).isTrue();

    int spanCount = awaitEverySpanOnceWithTheEvaluation(trace);
    for (Span s : sink.spansOf(trace.traceIdHex())) {
      assertThat(attribute(s, SamplingAnnotations.PROMOTED)).isEqualTo("true");
      assertThat(attribute(s, SamplingAnnotations.REASON))
          .isEqualTo("kept by flagged on late evidence");
      assertThat(attribute(s, SamplingAnnotations.ADJUSTED_COUNT)).isEqualTo("1.0");
    }
    JsonNode debug = admin.json("/debug/traces/" + trace.traceIdHex());
    assertThat(debug.path("explanation").asText())
        .contains("no policy matched. Then kept at ")
        .contains("kept by flagged on late evidence.");

    // A second verdict changes nothing: the trace is kept, its spans are not sent again.
    assertThat(sendEvaluation(trace, "incorrect")).isTrue();
    await().atMost(WAIT).until(() -> sink.logRecords().size() == 2);
    assertThat(sink.spansOf(trace.traceIdHex())).hasSize(spanCount);
    assertThat(admin.get("/metrics").body())
        .contains("llmtail_promotions_total{policy=\"flagged\"} 1.0");
  }

  /** Awaits the decision cache forgetting the trace: later spans no longer find it there. */
  private void awaitForgottenByTheDecisionCache(TraceBuilder trace) {
    await()
        .atMost(WAIT)
        .until(() -> llmtail.buffer().rememberedDecision(trace.traceId()).isEmpty());
  }

  @Test
  void anEvaluationSentAfterTheDecisionCacheForgotTheDropStillPromotesTheRetainedTrace()
      throws Exception {
    start("1h", "200ms");
    TraceBuilder trace = droppedChat();
    awaitForgottenByTheDecisionCache(trace);

    assertThat(sendEvaluation(trace, "incorrect")).isTrue();

    awaitEverySpanOnceWithTheEvaluation(trace);
    assertExportedOnce(trace, "kept by flagged on late evidence");
    assertThat(llmtail.buffer().bufferedTraces()).as("the evaluation opened no trace").isZero();
    assertThat(admin.get("/metrics").body())
        .contains("llmtail_promotions_total{policy=\"flagged\"} 1.0")
        .contains("llmtail_buffer_decisions_recalled_total 1.0");
  }

  /** Also after the decision cache forgot the drop: then the decision log still knows it. */
  @ParameterizedTest(name = "decision_cache.ttl {0}")
  @ValueSource(strings = {"10m", "200ms"})
  void feedbackForATracePastItsRetentionIsCountedAndExplainedNotAnError(String cacheTtl)
      throws Exception {
    start("0s", cacheTtl);
    TraceBuilder trace = droppedChat();
    if (!cacheTtl.equals("10m")) {
      awaitForgottenByTheDecisionCache(trace);
    }
    // The span log sweeps once a second: with retention 0s the spans go at the next sweep.
    await()
        .atMost(WAIT)
        .until(
            () ->
                admin.json("/debug/traces/" + trace.traceIdHex()).path("spans_held_until").isNull()
                    && admin.post("/debug/traces/" + trace.traceIdHex() + "/keep").statusCode()
                        == 410);

    assertThat(sendEvaluation(trace, "incorrect")).as("the client's request succeeds").isTrue();

    await()
        .atMost(WAIT)
        .until(
            () -> admin.get("/metrics").body().contains("llmtail_promotions_too_late_total 1.0"));
    JsonNode debug = admin.json("/debug/traces/" + trace.traceIdHex());
    assertThat(debug.path("late_evidence").asText())
        .startsWith("Evidence for it (spans or log records) arrived at ")
        .contains("after the span log no longer held its spans (storage.retention 0s)")
        .contains("too late to keep it");
    assertThat(debug.path("explanation").asText()).contains("too late to keep it");
    assertThat(debug.at("/decision/outcome").asText()).isEqualTo("dropped");
    assertThat(llmtail.buffer().bufferedTraces()).as("the feedback opened no trace").isZero();
    assertThat(sink.spansOf(trace.traceIdHex())).isEmpty();
    assertThat(sink.logRecords()).isEmpty();
  }

  private void assertExportedOnce(TraceBuilder trace, String reason) {
    for (Span s : sink.spansOf(trace.traceIdHex())) {
      assertThat(attribute(s, SamplingAnnotations.PROMOTED)).isEqualTo("true");
      assertThat(attribute(s, SamplingAnnotations.REASON)).isEqualTo(reason);
    }
    assertThat(sink.spansOf(trace.traceIdHex())).hasSize(trace.view().spanCount());
  }

  @Test
  void keptOnRequestByTraceAndByConversationEachTraceArrivesOnceAlsoAcrossARestart()
      throws Exception {
    start("1h");
    TraceBuilder single = droppedChat(LlmCallSpec.healthy().conversation("ticket-6"));
    TraceBuilder first = droppedChat(LlmCallSpec.healthy().conversation("ticket-7"));
    TraceBuilder second = droppedChat(LlmCallSpec.healthy().conversation("ticket-7"));

    assertThat(admin.post("/debug/traces/" + single.traceIdHex() + "/keep").statusCode())
        .isEqualTo(200);
    HttpResponse<String> conversation = admin.post("/debug/conversations/ticket-7/keep");
    assertThat(conversation.statusCode()).as(conversation.body()).isEqualTo(200);
    await()
        .atMost(WAIT)
        .until(
            () ->
                sink.spansOf(second.traceIdHex()).size() >= second.view().spanCount()
                    && sink.spansOf(first.traceIdHex()).size() >= first.view().spanCount()
                    && sink.spansOf(single.traceIdHex()).size() >= single.view().spanCount());
    await().atMost(WAIT).until(() -> llmtail.ledger().unaccounted() == 0);
    for (TraceBuilder t : List.of(single, first, second)) {
      assertExportedOnce(t, "kept on request");
    }

    stopLlmtail();
    start("1h");
    assertThat(llmtail.ledger().unaccounted()).isZero();
    assertThat(admin.post("/debug/traces/" + single.traceIdHex() + "/keep").statusCode())
        .as("the span log remembers it was kept")
        .isEqualTo(409);
    assertThat(admin.post("/debug/traces/" + first.traceIdHex() + "/keep").statusCode())
        .isEqualTo(409);
    for (TraceBuilder t : List.of(single, first, second)) {
      assertExportedOnce(t, "kept on request");
    }
  }
}
