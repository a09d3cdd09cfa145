package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.core.SamplingAnnotations;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.testing.OtlpTestSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole path over loopback: the OpenTelemetry SDK's OTLP/gRPC exporter → llmtail → an OTLP
 * receiver built on the official stubs.
 */
class EndToEndTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private OtlpTestSink sink;
  private Sidecar llmtail;
  private SdkTracerProvider tracerProvider;
  private Tracer tracer;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @BeforeEach
  void start() throws Exception {
    sink = OtlpTestSink.start();
    String yaml =
        TestPorts.LOOPBACK
            + """
        buffer:
          quiet_period: 300ms
          max_trace_wait: 20s
        policies:
          - name: errors
            type: status_code
            status_codes: [ERROR]
        exporter:
          otlp:
            endpoint: ${env:SINK}
            batch_timeout: 20ms
            retry:
              initial_interval: 20ms
        """;
    LlmtailConfig config =
        ConfigLoader.withEnvironment(Map.of("SINK", sink.endpoint()))
            .parse(Path.of("e2e.yaml"), yaml);
    llmtail = Sidecar.start(config, meters, Duration.ofSeconds(5));
    tracerProvider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "chat-api")))
            .addSpanProcessor(
                BatchSpanProcessor.builder(
                        OtlpGrpcSpanExporter.builder()
                            .setEndpoint("http://127.0.0.1:" + llmtail.grpcPort())
                            .build())
                    .setScheduleDelay(Duration.ofMillis(20))
                    .build())
            .build();
    tracer = tracerProvider.get("llmtail-e2e");
  }

  @AfterEach
  void stop() {
    tracerProvider.shutdown().join(10, TimeUnit.SECONDS);
    llmtail.close();
    sink.close();
  }

  /** A chat request: root, an LLM call, a tool call with a nested HTTP call. */
  private SpanContext chatTrace(boolean llmFails) {
    Span root = tracer.spanBuilder("POST /chat").startSpan();
    Context inRoot = Context.root().with(root);
    Span llm = tracer.spanBuilder("chat gpt-4o").setParent(inRoot).startSpan();
    if (llmFails) {
      llm.setStatus(StatusCode.ERROR, "upstream 500");
    }
    llm.end();
    Span tool = tracer.spanBuilder("execute_tool search").setParent(inRoot).startSpan();
    tracer.spanBuilder("GET /search").setParent(Context.root().with(tool)).startSpan().end();
    tool.end();
    root.end();
    flush();
    return root.getSpanContext();
  }

  private void lateSpan(SpanContext root, String name) {
    tracer.spanBuilder(name).setParent(Context.root().with(Span.wrap(root))).startSpan().end();
    flush();
  }

  private void flush() {
    assertThat(tracerProvider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess())
        .as("the SDK exported its spans to llmtail")
        .isTrue();
  }

  private double decisions(String outcome) {
    return meters.find("llmtail.decisions").tag("outcome", outcome).counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  private static Map<String, AnyValue> attributes(io.opentelemetry.proto.trace.v1.Span span) {
    return span.getAttributesList().stream()
        .collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue));
  }

  @Test
  void keptTraceArrivesCompleteAndAnnotatedWhileDroppedTraceDoesNotArrive() {
    SpanContext failed = chatTrace(true);
    SpanContext healthy = chatTrace(false);

    await().atMost(WAIT).until(() -> sink.spansOf(failed.getTraceId()).size() == 4);
    await().atMost(WAIT).until(() -> decisions("dropped") == 1);

    List<io.opentelemetry.proto.trace.v1.Span> kept = sink.spansOf(failed.getTraceId());
    assertThat(kept)
        .extracting(io.opentelemetry.proto.trace.v1.Span::getName)
        .containsExactlyInAnyOrder(
            "POST /chat", "chat gpt-4o", "execute_tool search", "GET /search");
    assertThat(kept)
        .allSatisfy(
            s -> {
              Map<String, AnyValue> a = attributes(s);
              assertThat(a.get(SamplingAnnotations.REASON).getStringValue())
                  .isEqualTo("kept by errors");
              assertThat(a.get(SamplingAnnotations.ADJUSTED_COUNT).getDoubleValue()).isEqualTo(1.0);
              assertThat(a).doesNotContainKey(SamplingAnnotations.LATE);
            });
    assertThat(sink.spansOf(healthy.getTraceId())).isEmpty();
    assertThat(decisions("kept")).isEqualTo(1);
  }

  @Test
  void lateSpansFollowTheDecisionOfTheirTrace() {
    SpanContext failed = chatTrace(true);
    SpanContext healthy = chatTrace(false);
    await().atMost(WAIT).until(() -> decisions("kept") == 1 && decisions("dropped") == 1);

    lateSpan(healthy, "late span of a dropped trace");
    lateSpan(failed, "late span of a kept trace");

    await().atMost(WAIT).until(() -> sink.spansOf(failed.getTraceId()).size() == 5);
    io.opentelemetry.proto.trace.v1.Span late =
        sink.spansOf(failed.getTraceId()).stream()
            .filter(s -> s.getName().equals("late span of a kept trace"))
            .findFirst()
            .orElseThrow();
    assertThat(attributes(late).get(SamplingAnnotations.LATE).getBoolValue()).isTrue();
    assertThat(attributes(late).get(SamplingAnnotations.REASON).getStringValue())
        .isEqualTo("kept by errors");

    assertThat(meters.counter("llmtail.late.spans", "outcome", "dropped").count()).isEqualTo(1);
    assertThat(meters.counter("llmtail.late.spans", "outcome", "kept").count()).isEqualTo(1);
    assertThat(sink.spansOf(healthy.getTraceId())).isEmpty();
  }

  @Test
  void shutdownDecidesBufferedTracesAndSendsTheKeptOnes() {
    Span root =
        tracer.spanBuilder("POST /agent").startSpan(); // never ends: waits for max_trace_wait
    tracer
        .spanBuilder("chat claude-sonnet")
        .setParent(Context.root().with(root))
        .startSpan()
        .setStatus(StatusCode.ERROR)
        .end();
    flush();
    await().atMost(WAIT).until(() -> llmtail.buffer().bufferedTraces() == 1);

    llmtail.close();

    assertThat(sink.spansOf(root.getSpanContext().getTraceId())).hasSize(1);
    assertThat(
            meters.counter("llmtail.decisions", "outcome", "kept", "trigger", "shutdown").count())
        .isEqualTo(1);
  }
}
