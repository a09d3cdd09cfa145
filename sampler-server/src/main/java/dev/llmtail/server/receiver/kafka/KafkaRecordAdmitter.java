package dev.llmtail.server.receiver.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.ingest.GroupedLogs;
import dev.llmtail.core.ingest.GroupedRequest;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.LogGrouper;
import dev.llmtail.core.ingest.SlicedRequest;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceSlicer;
import dev.llmtail.server.codec.OtlpJson;
import dev.llmtail.server.config.KafkaReceiverConfig;
import dev.llmtail.server.receiver.LogIntake;
import dev.llmtail.server.receiver.SpanIntake;
import io.micrometer.core.instrument.Counter;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/** Decodes one Kafka record, tracks it in the {@link OffsetLedger} and admits it, or skips it. */
final class KafkaRecordAdmitter {

  private static final System.Logger LOG = System.getLogger(KafkaReceiver.class.getName());

  private final KafkaReceiverConfig config;
  private final OffsetLedger ledger;
  private final SpanIntake spans;
  private final LogIntake logs;
  private final Counter invalid;
  private final Counter skipped;

  KafkaRecordAdmitter(
      KafkaReceiverConfig config,
      OffsetLedger ledger,
      SpanIntake spans,
      LogIntake logs,
      Counter invalid,
      Counter skipped) {
    this.config = config;
    this.ledger = ledger;
    this.spans = spans;
    this.logs = logs;
    this.invalid = invalid;
    this.skipped = skipped;
  }

  /**
   * Tracks the message's traces in the offset ledger and answers true, or skips the message (its
   * traces were decided beyond the commit point by the partition's previous owner) and answers
   * false.
   */
  private <F> boolean claim(
      TopicPartition tp, long offset, List<F> fragments, Function<F, TraceId> traceId) {
    List<TraceId> ids = new ArrayList<>(fragments.size());
    for (F f : fragments) {
      ids.add(traceId.apply(f));
    }
    if (ledger.alreadyDecided(tp, offset, ids)) {
      skip(tp, offset, ids);
      return false;
    }
    ledger.track(tp, offset, ids);
    return true;
  }

  void admit(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    boolean isTraces = record.topic().equals(config.traces().topic());
    String encoding = isTraces ? config.traces().encoding() : config.logs().encoding();
    try {
      if (isTraces) {
        GroupedRequest grouped = slice(record.value(), encoding).group();
        if (claim(tp, record.offset(), grouped.fragments(), TraceFragment::traceId)) {
          spans.admitUnlogged(grouped, KafkaReceiver.TRANSPORT);
        }
      } else {
        ExportLogsServiceRequest.Builder request = ExportLogsServiceRequest.newBuilder();
        decode(record.value(), encoding, request);
        ExportLogsServiceRequest built = request.build();
        GroupedLogs grouped = LogGrouper.group(built.getResourceLogsList());
        if (claim(tp, record.offset(), grouped.fragments(), LogFragment::traceId)) {
          logs.accept(built);
        }
      }
    } catch (InvalidProtocolBufferException e) {
      invalid.increment();
      ledger.track(tp, record.offset(), List.of());
      LOG.log(
          System.Logger.Level.WARNING,
          "skipped message {0}@{1}: not {2} ({3}); check the encoding of the Collector''s kafka"
              + " exporter",
          tp,
          record.offset(),
          encoding,
          e.getMessage());
    }
  }

  private void skip(TopicPartition tp, long offset, List<TraceId> ids) {
    ledger.trackDecided(tp, offset, ids);
    skipped.increment();
  }

  /**
   * Walks a protobuf traces message without decoding it; JSON is decoded and encoded once, then
   * walked the same way.
   */
  private static SlicedRequest slice(byte[] value, String encoding)
      throws InvalidProtocolBufferException {
    if (value == null || encoding.equals("otlp_json")) {
      ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
      decode(value, encoding, request);
      return TraceSlicer.slice(request.build().toByteArray());
    }
    return TraceSlicer.slice(value);
  }

  private static void decode(byte[] value, String encoding, Message.Builder into)
      throws InvalidProtocolBufferException {
    if (value == null) {
      throw new InvalidProtocolBufferException("empty message");
    }
    if (encoding.equals("otlp_json")) {
      OtlpJson.merge(value, into);
    } else {
      into.mergeFrom(value);
    }
  }
}
