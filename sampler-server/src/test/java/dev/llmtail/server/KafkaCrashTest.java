package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.llmtail.testing.OtlpTestSink;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real llmtail process reading from a KRaft broker in the test JVM is killed with SIGKILL while
 * the backend refuses its exports (kept traces decided, waiting in the exporter's queue); a second
 * process in the same consumer group takes the partitions over. Every failure trace must reach the
 * backend whole; traces exported twice are counted and printed. Tagged {@code fault}.
 */
@Tag("fault")
class KafkaCrashTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int PARTITIONS = 4;
  private static final String GROUP = "llmtail-crash";
  private static final Pattern ADMIN_PORT = Pattern.compile("admin HTTP on port (\\d+)");

  @TempDir Path dir;
  private KafkaBroker broker;
  private OtlpTestSink sink;
  private final List<Process> processes = new ArrayList<>();
  private final List<String> ids = new ArrayList<>();
  private final Set<String> failures = new HashSet<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    broker = KafkaBroker.start();
    broker.createTopics(PARTITIONS, "otlp_spans", "otlp_logs");
    sink = OtlpTestSink.start();
  }

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
    sink.close();
    broker.close();
  }

  /** Starts {@code llmtail run} in its own process; returns its admin port. */
  private int startLlmtail(String name) throws Exception {
    Path config = dir.resolve(name + ".yaml");
    Files.writeString(
        config,
        KafkaBroker.llmtailYaml(
            TestPorts.LOOPBACK,
            broker.bootstrapServers(),
            sink.endpoint(),
            List.of("group_id: " + GROUP, "initial_offset: earliest"),
            List.of("quiet_period: 300ms", "max_trace_wait: 60s")));
    LlmtailProcess llmtail = LlmtailProcess.start(config, dir.resolve(name + ".log"));
    processes.add(llmtail.process);
    Matcher admin = ADMIN_PORT.matcher(llmtail.output());
    assertThat(admin.find()).isTrue();
    await().atMost(WAIT).until(() -> llmtail.output().contains("assigned Kafka partitions [otlp"));
    return Integer.parseInt(admin.group(1));
  }

  /** Writes {@code count} traces of two messages each (a call, then its root); every 5th fails. */
  private void sendTraces(int count) throws Exception {
    for (int i = 0; i < count; i++) {
      TraceBuilder call = TraceBuilder.trace();
      TraceBuilder.SpanBuilder llm = call.child("chat gpt-4o");
      if (ids.size() % 5 == 0) {
        llm.error("upstream 500");
        failures.add(call.traceIdHex());
      }
      ids.add(call.traceIdHex());
      TraceBuilder root = TraceBuilder.trace(call.traceIdHex());
      root.root("POST /chat");
      send(call);
      send(root);
    }
  }

  private void send(TraceBuilder message) throws Exception {
    broker.send("otlp_spans", PARTITIONS, message);
  }

  /** The sum of a Prometheus counter's series whose labels contain {@code labels}. */
  private double metric(int adminPort, String name, String labels) throws Exception {
    String body =
        http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return body.lines()
        .filter(line -> line.startsWith(name) && line.contains(labels))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  private long committedSpans() throws Exception {
    return broker.committed(GROUP).entrySet().stream()
        .filter(e -> e.getKey().topic().equals("otlp_spans"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  @Test
  void everyFailureTraceIsKeptAfterAnInstanceIsKilledWithKeptTracesNotYetDelivered()
      throws Exception {
    int first = startLlmtail("first");
    // Backend up: decided, delivered, committed.
    sendTraces(100);
    await()
        .atMost(WAIT)
        .until(() -> failures.stream().allMatch(id -> sink.spansOf(id).size() == 2));
    int deliveredBeforeOutage = failures.size();

    // Backend down: the next failure traces are decided and kept, but wait in the exporter.
    sink.failNext(Integer.MAX_VALUE, Status.UNAVAILABLE);
    sendTraces(50);
    await()
        .atMost(WAIT)
        .until(
            () ->
                metric(first, "llmtail_decisions_total", "outcome=\"kept\"") == failures.size()
                    && metric(first, "llmtail_decisions_total", "outcome=\"dropped\"")
                        == ids.size() - failures.size()
                    && sink.failedRequests() > 0);
    // Give the periodic commit (every second) time to run: it must stay on the oldest record of
    // a kept trace the backend has not taken.
    AtomicLong committed = new AtomicLong(-1);
    await()
        .during(Duration.ofMillis(2500))
        .atMost(WAIT)
        .until(
            () -> {
              long now = committedSpans();
              return committed.getAndSet(now) == now;
            });
    long committedAtKill = committed.get();
    assertThat(committedAtKill).isLessThan(2L * ids.size());

    processes.get(0).destroyForcibly(); // SIGKILL: nothing revoked, committed or flushed
    assertThat(processes.get(0).waitFor(10, TimeUnit.SECONDS)).isTrue();
    sink.failNext(0, Status.UNAVAILABLE); // the backend is back
    sendTraces(50); // written while no instance runs: Kafka holds them

    int second = startLlmtail("second");
    await()
        .atMost(WAIT.multipliedBy(2))
        .until(
            () ->
                failures.stream().allMatch(id -> distinctSpans(id) == 2)
                    && committedSpans() == 2L * ids.size());

    int kept = 0;
    int duplicated = 0;
    int healthyExported = 0;
    for (String id : ids) {
      int exported = sink.spansOf(id).size();
      if (exported > 0) {
        kept++;
      }
      if (exported > distinctSpans(id)) {
        duplicated++;
      }
      if (!failures.contains(id) && exported > 0) {
        healthyExported++;
      }
    }
    double redelivered = metric(second, "llmtail_kafka_redelivered_traces_total", "");
    double skipped = metric(second, "llmtail_kafka_messages_skipped_total", "");
    System.out.printf(
        "kafka crash test: traces sent %d, failure traces %d (%d delivered before the outage),"
            + " kept %d, exported twice %d, healthy exported %d, committed at kill %d of %d"
            + " messages written by then; second instance: redelivered counted %.0f, messages"
            + " skipped as decided %.0f%n",
        ids.size(),
        failures.size(),
        deliveredBeforeOutage,
        kept,
        duplicated,
        healthyExported,
        committedAtKill,
        2 * 150,
        redelivered,
        skipped);
    assertThat(kept).isEqualTo(failures.size());
    assertThat(healthyExported).isZero();
    assertThat(duplicated)
        .as("only traces delivered after the last commit before the kill are exported twice")
        .isLessThanOrEqualTo(deliveredBeforeOutage);
  }

  private int distinctSpans(String traceIdHex) {
    Set<ByteString> distinct = new HashSet<>();
    sink.spansOf(traceIdHex).forEach(s -> distinct.add(s.getSpanId()));
    return distinct.size();
  }
}
