package dev.llmtail.server.receiver.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;

/** The meters of the {@link KafkaReceiver}: partitions, skips, restarts, and per-partition lag. */
final class KafkaReceiverMetrics {

  final AtomicInteger owned = new AtomicInteger();
  final AtomicInteger paused = new AtomicInteger();
  final Counter redelivered;
  final Counter invalid;
  final Counter skipped;
  final Counter restarts;
  final Counter inherited;
  private final MeterRegistry meters;
  private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
  private final Map<TopicPartition, Gauge> lagGauges = new ConcurrentHashMap<>();

  KafkaReceiverMetrics(MeterRegistry meters, OffsetLedger ledger) {
    this.meters = meters;
    Gauge.builder("llmtail.kafka.partitions.owned", owned, AtomicInteger::get)
        .description("Partitions of the spans and logs topics assigned to this instance")
        .register(meters);
    Gauge.builder("llmtail.kafka.partitions.paused", paused, AtomicInteger::get)
        .description("Owned partitions paused because the buffer or the exporter is full")
        .register(meters);
    Gauge.builder("llmtail.kafka.traces.disowned", ledger, OffsetLedger::disownedTraces)
        .description(
            "Traces of revoked partitions still waiting here; their decision here goes nowhere, their new"
                + " owner decides them")
        .register(meters);
    this.redelivered =
        Counter.builder("llmtail.kafka.redelivered.traces")
            .description(
                "Traces decided here whose messages lie past the committed offset of a revoked"
                    + " partition: their new owner decides them again (a kept one is exported"
                    + " twice)")
            .register(meters);
    this.skipped =
        Counter.builder("llmtail.kafka.messages.skipped")
            .description(
                "Messages re-read after a rebalance whose traces the previous owner already decided")
            .register(meters);
    this.inherited =
        Counter.builder("llmtail.kafka.decisions.inherited")
            .description(
                "Decisions of a partition's previous owner read from its commit: later spans of"
                    + " those traces follow them here")
            .register(meters);
    this.restarts =
        Counter.builder("llmtail.kafka.consumer.restarts")
            .description("Times the Kafka consumer failed and was replaced by a new one")
            .register(meters);
    this.invalid =
        Counter.builder("llmtail.receiver.requests.invalid")
            .description("Export requests refused as unparseable")
            .tag("transport", KafkaReceiver.TRANSPORT)
            .register(meters);
  }

  /** Sets the measured lag of an owned partition. */
  void lag(TopicPartition tp, long messages) {
    lag.put(tp, messages);
  }

  /** Registers the lag gauge of a newly assigned partition, unless it has one. */
  void watchLag(TopicPartition tp) {
    lagGauges.computeIfAbsent(
        tp,
        p ->
            Gauge.builder("llmtail.kafka.consumer.lag", lag, m -> m.getOrDefault(p, 0L))
                .description("Messages of an owned partition not read yet")
                .tag("topic", p.topic())
                .tag("partition", String.valueOf(p.partition()))
                .register(meters));
  }

  /** Forgets the lag of a partition no longer owned and removes its gauge. */
  void forgetLag(TopicPartition tp) {
    lag.remove(tp);
    Gauge g = lagGauges.remove(tp);
    if (g != null) {
      meters.remove(g);
    }
  }
}
