package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.llmtail.server.codec.OtlpJson;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.testing.OtlpTestSink;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code receivers.kafka} against a real KRaft broker in the test JVM: messages written as the
 * Collector's {@code kafka} exporter writes them (one per trace per request, keyed and partitioned
 * by trace id), spans in {@code otlp_proto}, GenAI events in {@code otlp_json}.
 */
class KafkaReceiverTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int PARTITIONS = 2;
  private static final AtomicInteger RUN = new AtomicInteger();

  private static KafkaBroker broker;

  private OtlpTestSink sink;
  private String spansTopic;
  private String logsTopic;
  private String group;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @BeforeEach
  void topics() throws Exception {
    int run = RUN.incrementAndGet();
    spansTopic = "otlp_spans_" + run;
    logsTopic = "otlp_logs_" + run;
    group = "llmtail-" + run;
    broker.createTopics(PARTITIONS, spansTopic, logsTopic);
    sink = OtlpTestSink.start();
  }

  @AfterEach
  void stopSink() {
    sink.close();
  }

  private Sidecar llmtail(SimpleMeterRegistry meters) throws Exception {
    return llmtail(meters, List.of("quiet_period: 300ms", "max_trace_wait: 60s"));
  }

  private Sidecar llmtail(SimpleMeterRegistry meters, List<String> bufferKeys) throws Exception {
    return llmtail(meters, bufferKeys, broker.bootstrapServers());
  }

  private Sidecar llmtail(SimpleMeterRegistry meters, List<String> bufferKeys, String brokers)
      throws Exception {
    return llmtail(TestPorts.LOOPBACK, meters, bufferKeys, brokers);
  }

  private Sidecar llmtail(
      String otlpReceivers, SimpleMeterRegistry meters, List<String> bufferKeys, String brokers)
      throws Exception {
    LlmtailConfig config =
        KafkaBroker.llmtailConfig(
            otlpReceivers,
            brokers,
            sink.endpoint(),
            List.of(
                "group_id: " + group,
                "initial_offset: earliest",
                "assignment_timeout: 2s",
                "traces:",
                "  topic: " + spansTopic,
                "logs:",
                "  topic: " + logsTopic,
                "  encoding: otlp_json"),
            bufferKeys);
    return Sidecar.start(config, meters, Duration.ofSeconds(5));
  }

  private long sendSpans(TraceBuilder trace) throws Exception {
    return broker.send(
        spansTopic,
        PARTITIONS,
        HexFormat.of().parseHex(trace.traceIdHex()),
        trace.request().toByteArray());
  }

  private void sendEvaluation(String traceIdHex) throws Exception {
    byte[] id = HexFormat.of().parseHex(traceIdHex);
    ResourceLogs logs =
        ResourceLogs.newBuilder()
            .addScopeLogs(
                ScopeLogs.newBuilder()
                    .addLogRecords(
                        LogRecord.newBuilder()
                            .setTraceId(ByteString.copyFrom(id))
                            .setEventName("gen_ai.evaluation.result")
                            .setBody(AnyValue.newBuilder().setStringValue("wrong answer"))))
            .build();
    broker.send(
        logsTopic,
        PARTITIONS,
        id,
        OtlpJson.logsData(List.of(logs)).getBytes(StandardCharsets.UTF_8));
  }

  private static double count(SimpleMeterRegistry meters, String name, String tag, String value) {
    return meters.find(name).tag(tag, value).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  private long committed(TopicPartition tp) throws Exception {
    return broker.committed(group).getOrDefault(tp, -1L);
  }

  @Test
  void withOnlyKafkaOnKeepsFailedTraceMergedFromSeveralMessagesWithItsEventsAndCommitsPastIt()
      throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    // Both OTLP receivers off: Kafka is the only input.
    try (Sidecar llmtail =
        llmtail(
            KafkaBroker.KAFKA_ONLY,
            meters,
            List.of("quiet_period: 300ms", "max_trace_wait: 60s"),
            broker.bootstrapServers())) {
      assertThatThrownBy(llmtail::grpcPort).hasMessageContaining("receivers.grpc is off");
      TraceBuilder failed = TraceBuilder.trace();
      TraceBuilder failedCall = TraceBuilder.trace(failed.traceIdHex());
      failedCall.child("chat gpt-4o").error("upstream 500");
      failed.root("POST /chat");
      TraceBuilder healthy = TraceBuilder.trace();
      healthy.root("POST /chat");
      // Two export requests of the same trace: two messages, in order, in one partition.
      sendSpans(failedCall);
      sendEvaluation(failed.traceIdHex());
      sendSpans(failed);
      sendSpans(healthy);

      await().atMost(WAIT).until(() -> sink.spansOf(failed.traceIdHex()).size() == 2);
      await()
          .atMost(WAIT)
          .until(() -> count(meters, "llmtail.decisions", "outcome", "dropped") == 1);
      await().atMost(WAIT).until(() -> sink.logRecords().size() == 1);
      assertThat(sink.spansOf(healthy.traceIdHex())).isEmpty();
      assertThat(llmtail.kafka().ownedPartitions()).isEqualTo(2 * PARTITIONS);
      assertThat(count(meters, "llmtail.receiver.spans", "transport", "kafka")).isEqualTo(3);

      // Every trace decided: the group's offsets reach the end of what was written.
      int failedPartition = KafkaBroker.partitionOf(failed.traceIdHex(), PARTITIONS);
      TopicPartition failedSpans = new TopicPartition(spansTopic, failedPartition);
      TopicPartition failedLogs = new TopicPartition(logsTopic, failedPartition);
      await().atMost(WAIT).until(() -> committed(failedSpans) >= 2 && committed(failedLogs) == 1);
    }
  }

  /** A new trace whose id hashes to {@code partition}, as the Collector's exporter routes it. */
  private static TraceBuilder traceIn(int partition) {
    TraceBuilder trace = TraceBuilder.trace();
    while (KafkaBroker.partitionOf(trace.traceIdHex(), PARTITIONS) != partition) {
      trace = TraceBuilder.trace();
    }
    return trace;
  }

  @Test
  void commitStopsAtTheOldestUndecidedTraceAndTheNextOwnerDecidesItWholeAndFollowsPastDecisions()
      throws Exception {
    TraceBuilder waiting = TraceBuilder.trace();
    waiting.child("chat gpt-4o").error("upstream 500");
    int partition = KafkaBroker.partitionOf(waiting.traceIdHex(), PARTITIONS);
    TraceBuilder later = traceIn(partition);
    later.root("POST /chat");
    TraceBuilder kept = traceIn(partition);
    kept.root("POST /chat").error("upstream 500");
    TopicPartition tp = new TopicPartition(spansTopic, partition);
    SimpleMeterRegistry first = new SimpleMeterRegistry();
    long waitingAt;
    try (Sidecar llmtail = llmtail(first)) {
      waitingAt = sendSpans(waiting); // its root has not ended: undecided for max_trace_wait
      sendSpans(later);
      sendSpans(kept);
      await().atMost(WAIT).until(() -> llmtail.buffer().bufferedTraces() == 1);
      await()
          .atMost(WAIT)
          .until(() -> count(first, "llmtail.decisions", "outcome", "dropped") == 1);
      await().atMost(WAIT).until(() -> sink.spansOf(kept.traceIdHex()).size() == 1);
      // The later traces are decided, but the commit stays on the record of the undecided one.
      await().atMost(WAIT).until(() -> committed(tp) == waitingAt);
      await().during(Duration.ofMillis(2500)).atMost(WAIT).until(() -> committed(tp) == waitingAt);
    }
    // Stopped before the waiting trace was decided: nothing half-decided was exported.
    assertThat(sink.spansOf(waiting.traceIdHex())).isEmpty();
    assertThat(committed(tp)).isEqualTo(waitingAt);

    TraceBuilder rest = TraceBuilder.trace(waiting.traceIdHex());
    rest.root("POST /chat");
    sendSpans(rest);
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    try (Sidecar next = llmtail(second)) {
      await().atMost(WAIT).until(() -> sink.spansOf(waiting.traceIdHex()).size() == 2);
      await().atMost(WAIT).until(() -> committed(tp) == waitingAt + 4);
      assertThat(next.buffer().bufferedTraces()).isZero();
      // The later traces lie past the commit point, but the first instance's commit listed them as
      // decided: re-read, not decided again.
      assertThat(count(second, "llmtail.decisions", "outcome", "dropped")).isZero();
      assertThat(second.counter("llmtail.kafka.messages.skipped").count()).isEqualTo(2);
      assertThat(second.counter("llmtail.kafka.decisions.inherited").count()).isEqualTo(2);
      assertThat(sink.spansOf(later.traceIdHex())).isEmpty();
      assertThat(sink.spansOf(kept.traceIdHex())).hasSize(1);

      // A healthy span of the kept trace arrives on the new owner: it follows the first owner's
      // decision (exported, marked late) instead of starting a new trace that errors would drop.
      TraceBuilder lateOfKept = TraceBuilder.trace(kept.traceIdHex());
      lateOfKept.child("chat gpt-4o");
      sendSpans(lateOfKept);
      await().atMost(WAIT).until(() -> sink.spansOf(kept.traceIdHex()).size() == 2);
      assertThat(sink.spansOf(kept.traceIdHex()).get(1).getAttributesList())
          .anySatisfy(
              a -> {
                assertThat(a.getKey()).isEqualTo("llmtail.sampling.late");
                assertThat(a.getValue().getBoolValue()).isTrue();
              });
      assertThat(count(second, "llmtail.decisions", "outcome", "kept")).isEqualTo(1);
    }
  }

  private static double gauge(SimpleMeterRegistry meters, String name) {
    return meters.find(name).gauges().stream().mapToDouble(g -> g.value()).sum();
  }

  @Test
  void aFullBufferPausesThePartitionsAndTheyResumeWhenItDrains() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    // A small buffer whose traces of ~0.5 KiB wait 2 s: 90 % of max_bytes after a few traces.
    try (Sidecar llmtail =
        llmtail(
            meters,
            List.of(
                "quiet_period: 2s",
                "max_trace_wait: 10s",
                "max_bytes: 4KiB",
                "max_trace_bytes: 4KiB"))) {
      await().atMost(WAIT).until(() -> llmtail.kafka().ownedPartitions() == 2 * PARTITIONS);
      List<String> sent = new java.util.ArrayList<>();
      while (gauge(meters, "llmtail.kafka.partitions.paused") == 0) {
        assertThat(sent)
            .as(
                "paused before 200 traces filled 4KiB; buffered %d bytes, %d traces, early %s",
                llmtail.buffer().bufferedBytes(),
                llmtail.buffer().bufferedTraces(),
                meters.counter("llmtail.buffer.decided.early").count())
            .hasSizeLessThan(200);
        TraceBuilder trace = TraceBuilder.trace();
        trace.root("POST /chat").error("upstream 500").attribute("note", "x".repeat(400));
        sendSpans(trace);
        sent.add(trace.traceIdHex());
        int admitted = sent.size();
        await()
            .atMost(WAIT)
            .until(() -> count(meters, "llmtail.receiver.spans", "transport", "kafka") == admitted);
      }
      for (int i = 0; i < 5; i++) {
        TraceBuilder trace = TraceBuilder.trace();
        trace.root("POST /chat").error("upstream 500").attribute("note", "x".repeat(400));
        sendSpans(trace);
        sent.add(trace.traceIdHex());
      }
      // Paused: the new messages wait in Kafka, not in llmtail's memory.
      await().atMost(WAIT).until(() -> gauge(meters, "llmtail.kafka.consumer.lag") >= 5);
      assertThat(llmtail.buffer().bufferedBytes()).isLessThanOrEqualTo(4096);

      await().atMost(WAIT).until(() -> sent.stream().allMatch(id -> sink.spansOf(id).size() == 1));
      assertThat(gauge(meters, "llmtail.kafka.partitions.paused")).isZero();
      await().atMost(WAIT).until(() -> gauge(meters, "llmtail.kafka.consumer.lag") == 0);
    }
  }

  @Test
  void readyWhileItOwnsPartitionsAndNotOnceNoneWasAssignedForTheAssignmentTimeout()
      throws Exception {
    try (Sidecar llmtail = llmtail(new SimpleMeterRegistry());
        AdminClient admin = new AdminClient(llmtail)) {
      await().atMost(WAIT).until(() -> llmtail.kafka().ownedPartitions() == 2 * PARTITIONS);
      await()
          .during(Duration.ofSeconds(3))
          .atMost(WAIT)
          .until(() -> admin.get("/readyz").statusCode() == 200);
    }
    // Nothing listens there: no partition is ever assigned.
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (Sidecar unassigned =
        llmtail(
            new SimpleMeterRegistry(), List.of("quiet_period: 300ms"), "127.0.0.1:" + closedPort)) {
      AdminClient admin = new AdminClient(unassigned);
      assertThat(unassigned.kafka().ownedPartitions()).isZero();
      await().atMost(WAIT).until(() -> admin.get("/readyz").statusCode() == 503);
    }
  }
}
