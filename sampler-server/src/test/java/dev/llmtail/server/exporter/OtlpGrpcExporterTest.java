package dev.llmtail.server.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.llmtail.server.config.ExporterConfig.CompressionParams;
import dev.llmtail.server.config.ExporterConfig.OtlpExporterConfig;
import dev.llmtail.server.config.ExporterConfig.RetryConfig;
import dev.llmtail.server.config.ExporterConfig.SpillConfig;
import dev.llmtail.testing.OtlpTestSink;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OtlpGrpcExporterTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private OtlpTestSink sink;
  private OtlpGrpcExporter exporter;

  @BeforeEach
  void start() {
    sink = OtlpTestSink.start();
  }

  @AfterEach
  void stop() {
    if (exporter != null) {
      exporter.shutdown(Duration.ofMillis(500));
    }
    sink.close();
  }

  private OtlpGrpcExporter exporter(int queueSize) {
    return exporter(queueSize, "", Duration.ofSeconds(10));
  }

  private OtlpGrpcExporter exporter(int queueSize, String spillDirectory, Duration maxElapsed) {
    exporter =
        new OtlpGrpcExporter(
            new OtlpExporterConfig(
                sink.endpoint(),
                Map.of("x-api-key", "secret"),
                "gzip",
                null,
                Duration.ofSeconds(5),
                queueSize,
                null,
                100,
                Duration.ofMillis(10),
                new RetryConfig(Duration.ofMillis(10), Duration.ofMillis(50), maxElapsed),
                new SpillConfig(spillDirectory, null),
                null),
            meters);
    return exporter;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 9})
  void sendsGzipAtTheConfiguredLevelThatTheBackendDecodesToTheSameSpans(int level) {
    exporter(new CompressionParams(level), 1024, Duration.ofMillis(10));
    TraceBuilder t = trace();
    exporter.export(List.of(t.resourceSpans()), 2);

    await().atMost(WAIT).until(() -> sink.spansOf(t.traceIdHex()).size() == 2);
    assertThat(sink.lastHeader("grpc-encoding")).isEqualTo("gzip");
    assertThat(sink.spansOf(t.traceIdHex()))
        .containsExactlyInAnyOrderElementsOf(
            t.resourceSpans().getScopeSpansList().stream()
                .flatMap(s -> s.getSpansList().stream())
                .toList());
  }

  private static TraceBuilder trace() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    t.child("chat gpt-4o");
    return t;
  }

  private double spans(String result) {
    return meters.counter("llmtail.exporter.spans", "exporter", "otlp", "result", result).count();
  }

  @Test
  void retriesRetryableFailuresUntilTheBackendTakesTheSpans() {
    sink.failNext(3, Status.UNAVAILABLE);
    TraceBuilder t = trace();
    assertThat(exporter(1000).export(List.of(t.resourceSpans()), 2)).isTrue();

    await().atMost(WAIT).until(() -> spans("sent") == 2);
    assertThat(sink.spansOf(t.traceIdHex())).hasSize(2);
    assertThat(sink.failedRequests()).isEqualTo(3);
    assertThat(meters.counter("llmtail.exporter.retries", "exporter", "otlp").count()).isEqualTo(3);
  }

  @Test
  void honoursTheServersRetryInfoOnResourceExhausted() {
    sink.failNextWithRetryInfo(1, Status.Code.RESOURCE_EXHAUSTED, Duration.ofMillis(30));
    TraceBuilder t = trace();
    exporter(1000).export(List.of(t.resourceSpans()), 2);

    await().atMost(WAIT).until(() -> sink.spansOf(t.traceIdHex()).size() == 2);
    assertThat(sink.failedRequests()).isEqualTo(1);
  }

  @Test
  void doesNotRetryAPermanentErrorButCountsTheSpansAndGoesOn() {
    sink.failNext(1, Status.INVALID_ARGUMENT);
    TraceBuilder refused = trace();
    TraceBuilder next = trace();
    OtlpGrpcExporter e = exporter(1000);
    e.export(List.of(refused.resourceSpans()), 2);
    await().atMost(WAIT).until(() -> spans("failed") == 2);

    e.export(List.of(next.resourceSpans()), 2);
    await().atMost(WAIT).until(() -> sink.spansOf(next.traceIdHex()).size() == 2);
    assertThat(sink.failedRequests()).isEqualTo(1);
    assertThat(sink.spansOf(refused.traceIdHex())).isEmpty();
    assertThat(meters.counter("llmtail.exporter.retries", "exporter", "otlp").count()).isZero();
  }

  @Test
  void resourceExhaustedWithoutRetryInfoIsNotRetried() {
    sink.failNext(1, Status.RESOURCE_EXHAUSTED);
    exporter(1000).export(List.of(trace().resourceSpans()), 2);
    await().atMost(WAIT).until(() -> spans("failed") == 2);
    assertThat(sink.failedRequests()).isEqualTo(1);
  }

  @Test
  void sendsConfiguredHeadersAndBatchesSeveralTracesIntoOneRequest() {
    OtlpGrpcExporter e = exporter(1000);
    sink.failNext(1, Status.UNAVAILABLE); // holds the first batch back while the rest queue up
    for (int i = 0; i < 10; i++) {
      e.export(List.of(trace().resourceSpans()), 2);
    }
    await().atMost(WAIT).until(() -> sink.spans().size() == 20);
    assertThat(sink.requests().size()).isLessThan(10);
    assertThat(sink.lastHeader("x-api-key")).isEqualTo("secret");
  }

  private OtlpGrpcExporter exporter(int maxBatchSpans, Duration batchTimeout) {
    return exporter(null, maxBatchSpans, batchTimeout);
  }

  private OtlpGrpcExporter exporter(
      CompressionParams gzip, int maxBatchSpans, Duration batchTimeout) {
    exporter =
        new OtlpGrpcExporter(
            new OtlpExporterConfig(
                sink.endpoint(),
                null,
                "gzip",
                gzip,
                Duration.ofSeconds(5),
                1000,
                null,
                maxBatchSpans,
                batchTimeout,
                null,
                null,
                null),
            meters);
    return exporter;
  }

  /** Five traces of two spans each, offered at once, reach the sink in one request. */
  private void fiveTracesGoOutInOneRequest(OtlpGrpcExporter e) {
    for (int i = 0; i < 5; i++) {
      e.export(List.of(trace().resourceSpans()), 2);
    }
    await().atMost(WAIT).until(() -> sink.spans().size() == 10);
    assertThat(sink.requests()).hasSize(1);
  }

  @Test
  void sendsTheTracesKeptWithinOneBatchTimeoutInOneRequest() {
    fiveTracesGoOutInOneRequest(exporter(100, Duration.ofSeconds(1)));
  }

  @Test
  void sendsAFullBatchWithoutWaitingForTheBatchTimeout() {
    fiveTracesGoOutInOneRequest(exporter(10, Duration.ofHours(1)));
  }

  @Test
  void shutdownSendsAWaitingBatchAtOnceAndStopsAnIdleExporter() {
    OtlpGrpcExporter waiting = exporter(100, Duration.ofHours(1));
    TraceBuilder t = trace();
    waiting.export(List.of(t.resourceSpans()), 2);
    assertTimeoutPreemptively(WAIT, () -> waiting.shutdown(Duration.ofHours(1)));
    assertThat(sink.spansOf(t.traceIdHex())).hasSize(2);

    OtlpGrpcExporter idle = exporter(100, Duration.ofHours(1));
    assertTimeoutPreemptively(WAIT, () -> idle.shutdown(Duration.ofHours(1)));
    exporter = null;
  }

  @Test
  void takesSpansBeyondTheQueueBoundButReportsItIsAtCapacity() {
    sink.failNext(1_000, Status.UNAVAILABLE); // nothing leaves the queue
    OtlpGrpcExporter e = exporter(4);
    assertThat(e.atCapacity()).isFalse();
    assertThat(e.export(List.of(trace().resourceSpans()), 2)).isTrue();
    assertThat(e.export(List.of(trace().resourceSpans()), 2)).isTrue();
    assertThat(e.atCapacity()).isTrue();
    assertThat(e.export(List.of(trace().resourceSpans()), 2)).isTrue();
    assertThat(spans("failed")).isZero();
  }

  @Test
  void spillsWhatDoesNotFitInMemoryAndSendsItOnceTheBackendIsBack(@TempDir Path spill) {
    sink.failNext(1_000, Status.UNAVAILABLE);
    OtlpGrpcExporter e = exporter(4, spill.toString(), Duration.ofSeconds(30));
    List<TraceBuilder> traces = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      TraceBuilder t = trace();
      traces.add(t);
      assertThat(e.export(List.of(t.resourceSpans()), 2)).isTrue();
    }
    assertThat(e.atCapacity()).isFalse(); // the disk still has room
    assertThat(meters.get("llmtail.exporter.spill.spans").gauge().value()).isPositive();

    sink.failNext(0, Status.UNAVAILABLE);
    await().atMost(WAIT).until(() -> spans("sent") == 20);
    for (TraceBuilder t : traces) {
      assertThat(sink.spansOf(t.traceIdHex())).hasSize(2);
    }
    await()
        .atMost(WAIT)
        .until(() -> meters.get("llmtail.exporter.spill.spans").gauge().value() == 0);
  }

  private OtlpGrpcExporter exporterOverSpanLog(Duration maxElapsed) {
    exporter =
        new OtlpGrpcExporter(
            config(sink.endpoint(), "", maxElapsed), Optional.of("span-log-dir"), meters);
    return exporter;
  }

  @Test
  void overTheSpanLogKeepsRetryingABatchWhoseRetryTimeRanOutAndSettlesItOnDelivery() {
    sink.failNext(1_000, Status.UNAVAILABLE);
    AtomicInteger settled = new AtomicInteger();
    OtlpGrpcExporter e = exporterOverSpanLog(Duration.ofMillis(100));
    TraceBuilder t = trace();
    e.export(List.of(t.resourceSpans()), 2, settled::incrementAndGet);
    // Several retry periods of 100 ms run out while the backend refuses: nothing is given up.
    await().atMost(WAIT).until(() -> sink.failedRequests() >= 10);
    assertThat(spans("failed")).isZero();
    assertThat(settled).hasValue(0);

    sink.failNext(0, Status.UNAVAILABLE);
    await().atMost(WAIT).until(() -> settled.get() == 1);
    assertThat(sink.spansOf(t.traceIdHex())).hasSize(2);
    assertThat(spans("failed")).isZero();
  }

  @Test
  void overTheSpanLogLeavesWhatShutdownCouldNotSendUnsettledInTheLog() {
    sink.failNext(1_000, Status.UNAVAILABLE);
    AtomicInteger settled = new AtomicInteger();
    OtlpGrpcExporter first = exporterOverSpanLog(Duration.ofSeconds(30));
    first.export(List.of(trace().resourceSpans()), 2, settled::incrementAndGet);
    first.shutdown(Duration.ofMillis(300));
    exporter = null;

    assertThat(settled)
        .as("not settled: the span log keeps the trace for the next start")
        .hasValue(0);
    assertThat(spans("failed")).isZero();
    assertThat(spans("left_in_span_log")).isEqualTo(2);
    assertThat(meters.find("llmtail.exporter.spill.spans").gauge())
        .as("no spill directory")
        .isNull();
  }

  @Test
  void spillsWhatItCouldNotSendBeforeShutdownAndSendsItAfterARestart(@TempDir Path spill) {
    sink.failNext(1_000, Status.UNAVAILABLE);
    OtlpGrpcExporter first = exporter(1000, spill.toString(), Duration.ofSeconds(30));
    TraceBuilder t = trace();
    first.export(List.of(t.resourceSpans()), 2);
    first.shutdown(Duration.ofMillis(300));
    assertThat(spans("failed")).isZero();
    assertThat(spill.toFile().list()).hasSize(1);

    sink.failNext(0, Status.UNAVAILABLE);
    SimpleMeterRegistry afterRestart = new SimpleMeterRegistry();
    exporter = new OtlpGrpcExporter(spillingTo(sink.endpoint(), null, spill), afterRestart);
    await().atMost(WAIT).until(() -> sink.spansOf(t.traceIdHex()).size() == 2);
    assertThat(afterRestart.get("llmtail.exporter.spill.recovered").counter().count()).isEqualTo(2);
    await().atMost(WAIT).until(() -> spill.toFile().list().length == 0);
  }

  /** The defaults but a 10-ms batch timeout, and a spill directory; a null timeout: the default. */
  private static OtlpExporterConfig spillingTo(String endpoint, Duration timeout, Path spill) {
    return new OtlpExporterConfig(
        endpoint,
        null,
        null,
        null,
        timeout,
        null,
        null,
        null,
        Duration.ofMillis(10),
        null,
        new SpillConfig(spill.toString(), null),
        null);
  }

  /** A loopback port where nothing listens: bound by the OS, then closed. */
  private static String deadEndpoint() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + socket.getLocalPort();
    }
  }

  private static OtlpExporterConfig config(String endpoint, String spill, Duration maxElapsed) {
    return new OtlpExporterConfig(
        endpoint,
        null,
        null,
        null,
        Duration.ofSeconds(2),
        null,
        null,
        null,
        Duration.ofMillis(10),
        new RetryConfig(Duration.ofMillis(10), Duration.ofMillis(50), maxElapsed),
        new SpillConfig(spill, null),
        null);
  }

  private static List<ResourceLogs> evaluation(String body) {
    return List.of(
        ResourceLogs.newBuilder()
            .addScopeLogs(
                ScopeLogs.newBuilder()
                    .addLogRecords(
                        LogRecord.newBuilder().setBody(AnyValue.newBuilder().setStringValue(body))))
            .build());
  }

  @Test
  void logRecordsOfKeptTracesAreSpilledLikeSpansAndSentAfterARestart(@TempDir Path spill)
      throws IOException {
    OtlpGrpcExporter down =
        new OtlpGrpcExporter(
            config(deadEndpoint(), spill.toString(), Duration.ofMillis(100)), meters);
    assertThat(down.exportLogs(evaluation("judge: answer was wrong"), 1)).isTrue();
    await()
        .atMost(WAIT)
        .until(() -> meters.get("llmtail.exporter.spill.log_records").gauge().value() == 1);
    down.shutdown(Duration.ofMillis(300));
    assertThat(
            meters
                .counter("llmtail.exporter.log_records", "exporter", "otlp", "result", "failed")
                .count())
        .isZero();

    SimpleMeterRegistry afterRestart = new SimpleMeterRegistry();
    exporter =
        new OtlpGrpcExporter(
            config(sink.endpoint(), spill.toString(), Duration.ofSeconds(10)), afterRestart);
    await().atMost(WAIT).until(() -> sink.logRecords().size() == 1);
    assertThat(sink.logRecords().get(0).getBody().getStringValue())
        .isEqualTo("judge: answer was wrong");
    await().atMost(WAIT).until(() -> spill.toFile().list().length == 0);
  }

  @Test
  void aDeadBackendIsReportedAtOnceWithItsCauseAndCountersStartAtZero() throws IOException {
    String dead = deadEndpoint();
    exporter = new OtlpGrpcExporter(config(dead, "", Duration.ofSeconds(30)), meters);
    for (String counter : List.of("llmtail.exporter.failures", "llmtail.exporter.retries")) {
      assertThat(meters.get(counter).tag("exporter", "otlp").counter().count()).isZero();
    }
    assertThat(spans("failed")).isZero();
    assertThat(meters.get("llmtail.exporter.spill.written").counter().count()).isZero();
    assertThat(exporter.status().failing()).isFalse();

    exporter.export(List.of(trace().resourceSpans()), 2);

    await().atMost(WAIT).until(() -> exporter.status().failing());
    assertThat(exporter.status().lastCause())
        .startsWith("UNAVAILABLE")
        .containsIgnoringCase("connection refused")
        .contains(dead);
    assertThat(meters.get("llmtail.exporter.failing").gauge().value()).isNotNegative();
  }

  @Test
  void shutdownEndsACallTheBackendNeverAnswersAndSpillsItsBatch(@TempDir Path spill)
      throws IOException {
    AtomicInteger received = new AtomicInteger();
    Server silent =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(
                new TraceServiceGrpc.TraceServiceImplBase() {
                  @Override
                  public void export(
                      ExportTraceServiceRequest request,
                      StreamObserver<ExportTraceServiceResponse> answer) {
                    received.incrementAndGet(); // and never answers
                  }
                })
            .build()
            .start();
    try {
      // A request deadline of 5 minutes: the wait ends by the shutdown, not by the deadline.
      OtlpGrpcExporter first =
          new OtlpGrpcExporter(
              spillingTo("127.0.0.1:" + silent.getPort(), Duration.ofMinutes(5), spill), meters);
      first.export(List.of(trace().resourceSpans()), 2);
      await().atMost(WAIT).until(() -> received.get() == 1);

      assertTimeoutPreemptively(WAIT, () -> first.shutdown(Duration.ofMillis(300)));
      assertThat(spill.toFile().list()).as("the unanswered batch, spilled").hasSize(1);
      assertThat(spans("failed")).isZero();
    } finally {
      silent.shutdownNow();
    }
  }
}
