package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.testing.OtlpTestSink;
import dev.llmtail.testing.TraceBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real llmtail process killed with SIGKILL while the OpenTelemetry Java SDK sends to it, then
 * started again on the same span log: every span it acknowledged before the kill reaches the
 * backend (duplicates are counted and printed, never lost spans). Tagged {@code fault}.
 */
@Tag("fault")
class SpanLogCrashTest {

  private static final HexFormat HEX = HexFormat.of();
  private static final int SENDERS = 4;

  @TempDir Path dir;
  private final OtlpTestSink sink = OtlpTestSink.start();
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
    sink.close();
  }

  /** Starts llmtail on the span log in {@code dir/data}; returns its gRPC port. */
  private int startLlmtail(String name) throws Exception {
    Path config = dir.resolve("llmtail.yaml");
    Files.writeString(
        config,
        TestPorts.LOOPBACK
            + """
        buffer:
          quiet_period: 3s
          max_trace_wait: 1m
        policies:
          - name: all
            type: always_sample
        exporter:
          otlp:
            endpoint: %s
            retry:
              initial_interval: 100ms
        storage:
          directory: %s
        """
                .formatted(sink.endpoint(), dir.resolve("data")));
    LlmtailProcess llmtail = LlmtailProcess.start(config, dir.resolve(name + ".log"));
    processes.add(llmtail.process);
    return llmtail.grpcPort;
  }

  @Test
  void everySpanAcknowledgedBeforeSigkillArrivesAfterTheRestart() throws Exception {
    int port = startLlmtail("first");
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicBoolean stop = new AtomicBoolean();
    OtlpGrpcSpanExporter sdk =
        OtlpGrpcSpanExporter.builder()
            .setEndpoint("http://127.0.0.1:" + port)
            .setRetryPolicy(null)
            .setTimeout(Duration.ofSeconds(5))
            .build();
    List<Thread> senders = new ArrayList<>();
    for (int i = 0; i < SENDERS; i++) {
      Thread t =
          new Thread(
              () -> {
                while (!stop.get()) {
                  TraceBuilder trace = TraceBuilder.trace();
                  trace.root("POST /chat").child("chat gpt-4o");
                  List<SpanData> spans = SdkSpans.of(trace.resourceSpans());
                  if (sdk.export(spans).join(10, TimeUnit.SECONDS).isSuccess()) {
                    spans.forEach(s -> acknowledged.add(s.getSpanId()));
                  }
                }
              },
              "sdk-sender-" + i);
      t.start();
      senders.add(t);
    }
    // Under load, with traces decided and exported and others still in their quiet period.
    await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 4_000);
    await().atMost(Duration.ofSeconds(60)).until(() -> !sink.spans().isEmpty());
    processes.get(0).destroyForcibly(); // SIGKILL
    assertThat(processes.get(0).waitFor(10, TimeUnit.SECONDS)).isTrue();
    stop.set(true);
    for (Thread t : senders) {
      t.join(15_000);
    }
    sdk.shutdown().join(5, TimeUnit.SECONDS);
    int acknowledgedAtKill = acknowledged.size();
    int arrivedBeforeRestart = spanIds(sink.spans()).size();

    startLlmtail("second");
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> assertThat(spanIds(sink.spans())).containsAll(new HashSet<>(acknowledged)));
    List<Span> arrived = sink.spans();
    int distinct = spanIds(arrived).size();
    System.out.printf(
        "span log crash test: acknowledged=%d arrived_before_restart=%d arrived=%d"
            + " (distinct %d) duplicates=%d%n",
        acknowledgedAtKill,
        arrivedBeforeRestart,
        arrived.size(),
        distinct,
        arrived.size() - distinct);
    assertThat(arrivedBeforeRestart)
        .as("the kill came while traces were still buffered")
        .isLessThan(acknowledgedAtKill);
    Process second = processes.get(1);
    second.destroy(); // SIGTERM: the ledger counts what the span log gave back as recovered
    assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(dir.resolve("second.log"));
    assertThat(log).containsPattern("restored [1-9][0-9,]* undecided traces");
    assertThat(log).contains("unaccounted=0");
  }

  private static Set<String> spanIds(List<Span> spans) {
    Set<String> ids = new HashSet<>();
    for (Span s : spans) {
      ids.add(HEX.formatHex(s.getSpanId().toByteArray()));
    }
    return ids;
  }
}
