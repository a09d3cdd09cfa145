package dev.llmtail.server.receiver.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.server.config.KafkaReceiverConfig;
import dev.llmtail.server.receiver.Backpressure;
import dev.llmtail.server.receiver.LogIntake;
import dev.llmtail.server.receiver.ReceiverHarness;
import dev.llmtail.server.receiver.SpanIntake;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * A consumer whose poll fails is replaced by a new one, which rejoins the group and goes on
 * reading; the restart is counted. Kafka's {@link MockConsumer} stands in for the broker.
 */
class KafkaReceiverRestartTest {

  private static final TopicPartition SPANS_0 = new TopicPartition("otlp_spans", 0);
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final TraceBuffer buffer = ReceiverHarness.keepAllBuffer(1000, 1 << 24, meters);
  private final List<MockConsumer<byte[], byte[]>> created = new ArrayList<>();

  private KafkaReceiver receiver(Iterator<MockConsumer<byte[], byte[]>> consumers) {
    KafkaReceiverConfig config =
        new KafkaReceiverConfig(null, null, null, "earliest", null, null, null, null, null);
    return new KafkaReceiver(
        config,
        new OffsetLedger(meters),
        new SpanIntake(buffer, Backpressure.none(), meters),
        LogIntake.intoBuffer(buffer, untraced -> {}, meters),
        Backpressure.none(),
        buffer::remember,
        meters,
        Clock.systemUTC(),
        () -> {
          MockConsumer<byte[], byte[]> next = consumers.next();
          created.add(next);
          return (Consumer<byte[], byte[]>) next;
        },
        Duration.ofMillis(10));
  }

  /** A consumer that is assigned partition 0 of the spans topic and reads {@code trace} there. */
  private static MockConsumer<byte[], byte[]> reading(TraceBuilder trace) {
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    consumer.schedulePollTask(
        () -> {
          consumer.rebalance(List.of(SPANS_0));
          consumer.updateBeginningOffsets(Map.of(SPANS_0, 0L));
          consumer.addRecord(
              new ConsumerRecord<>(
                  SPANS_0.topic(),
                  SPANS_0.partition(),
                  0L,
                  trace.traceIdHex().getBytes(StandardCharsets.UTF_8),
                  trace.request().toByteArray()));
        });
    return consumer;
  }

  @Test
  void aConsumerWhosePollFailsIsReplacedAndTheNewOneReadsOn() {
    MockConsumer<byte[], byte[]> failing = new MockConsumer<>("earliest");
    failing.setPollException(new KafkaException("injected: the broker connection broke"));
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat");

    try (KafkaReceiver receiver = receiver(List.of(failing, reading(trace)).iterator())) {
      receiver.start();

      await().atMost(WAIT).until(() -> buffer.bufferedTraces() == 1);
      assertThat(meters.counter("llmtail.kafka.consumer.restarts").count()).isEqualTo(1);
      assertThat(failing.closed()).as("the failed consumer left the group").isTrue();
      assertThat(receiver.ownedPartitions()).isEqualTo(1);
      assertThat(receiver.ready()).isTrue();
    }
    assertThat(created).hasSize(2);
    assertThat(created.get(1).closed()).isTrue();
  }
}
