package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.testing.OtlpTestSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.logs.TestLogRecordData;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenTelemetry SDK's OTLP/HTTP exporter (protobuf, gzip) → llmtail's HTTP receiver → an OTLP
 * backend; every span is accounted for.
 */
class HttpEndToEndTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final OtlpTestSink sink = OtlpTestSink.start();
  private final Sidecar llmtail;

  HttpEndToEndTest() throws Exception {
    String yaml =
        TestPorts.LOOPBACK
            + """
        buffer:
          quiet_period: 200ms
          max_trace_wait: 20s
        policies:
          - name: errors
            type: status_code
            status_codes: [ERROR]
        exporter:
          otlp:
            endpoint: ${env:SINK}
            batch_timeout: 20ms
        """;
    LlmtailConfig config =
        ConfigLoader.withEnvironment(Map.of("SINK", sink.endpoint()))
            .parse(Path.of("http-e2e.yaml"), yaml);
    llmtail = Sidecar.start(config, meters, Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    llmtail.close();
    sink.close();
  }

  private SdkTracerProvider sdk(String compression) {
    return SdkTracerProvider.builder()
        .addSpanProcessor(
            BatchSpanProcessor.builder(
                    OtlpHttpSpanExporter.builder()
                        .setEndpoint("http://127.0.0.1:" + llmtail.httpPort() + "/v1/traces")
                        .setCompression(compression)
                        .build())
                .setScheduleDelay(Duration.ofMillis(20))
                .build())
        .build();
  }

  private static String trace(Tracer tracer, boolean fails) {
    Span root = tracer.spanBuilder("POST /chat").startSpan();
    Span llm = tracer.spanBuilder("chat gpt-4o").setParent(Context.root().with(root)).startSpan();
    if (fails) {
      llm.setStatus(StatusCode.ERROR, "upstream 500");
    }
    llm.end();
    root.end();
    return root.getSpanContext().getTraceId();
  }

  @Test
  void keptTracesSentOverOtlpHttpArriveAndEverySpanIsAccountedFor() {
    SdkTracerProvider plain = sdk("none");
    SdkTracerProvider gzip = sdk("gzip");
    try {
      String keptPlain = trace(plain.get("e2e"), true);
      String keptGzip = trace(gzip.get("e2e"), true);
      String dropped = trace(gzip.get("e2e"), false);
      assertThat(plain.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(gzip.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();

      await().atMost(WAIT).until(() -> sink.spansOf(keptPlain).size() == 2);
      await().atMost(WAIT).until(() -> sink.spansOf(keptGzip).size() == 2);
      await().atMost(WAIT).until(() -> llmtail.buffer().bufferedTraces() == 0);
      assertThat(sink.spansOf(dropped)).isEmpty();
      await().atMost(WAIT).until(() -> llmtail.ledger().exported() == 4);
      assertThat(
              meters
                  .counter("llmtail.receiver.spans", "transport", "http", "result", "accepted")
                  .count())
          .isEqualTo(6);
      assertThat(meters.counter("llmtail.spans.dropped").count()).isEqualTo(2);
      assertThat(llmtail.ledger().unaccounted()).as(llmtail.ledger().toString()).isZero();
    } finally {
      plain.shutdown().join(10, TimeUnit.SECONDS);
      gzip.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void logRecordsSentOverOtlpHttpTravelWithTheirTraceAndOnlyWhenItIsKept() {
    SdkTracerProvider spans = sdk("gzip");
    OtlpHttpLogRecordExporter logs =
        OtlpHttpLogRecordExporter.builder()
            .setEndpoint("http://127.0.0.1:" + llmtail.httpPort() + "/v1/logs")
            .setCompression("gzip")
            .build();
    try {
      String kept = trace(spans.get("e2e"), true);
      String dropped = trace(spans.get("e2e"), false);
      assertThat(spans.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(
              logs.export(List.of(event(kept), event(dropped)))
                  .join(10, TimeUnit.SECONDS)
                  .isSuccess())
          .isTrue();

      await()
          .atMost(WAIT)
          .until(() -> sink.logRecords().size() == 1 && sink.spansOf(kept).size() == 2);
      assertThat(HexFormat.of().formatHex(sink.logRecords().get(0).getTraceId().toByteArray()))
          .isEqualTo(kept);
      await().atMost(WAIT).until(() -> llmtail.buffer().bufferedTraces() == 0);
      assertThat(sink.logRecords()).hasSize(1);
      assertThat(meters.counter("llmtail.receiver.log_records", "result", "accepted").count())
          .isEqualTo(2);
    } finally {
      spans.shutdown().join(10, TimeUnit.SECONDS);
      logs.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  private static LogRecordData event(String traceId) {
    return TestLogRecordData.builder()
        .setResource(Resource.getDefault())
        .setInstrumentationScopeInfo(InstrumentationScopeInfo.create("evaluator"))
        .setSpanContext(
            SpanContext.create(
                traceId, "0000000000000001", TraceFlags.getSampled(), TraceState.getDefault()))
        .setTimestamp(Instant.now())
        .setEventName("gen_ai.evaluation.result")
        .setAttributes(
            Attributes.of(AttributeKey.stringKey("gen_ai.evaluation.score.label"), "pass"))
        .setTotalAttributeCount(1)
        .build();
  }
}
