package dev.llmtail.server.exporter;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;

/**
 * What differs between kept spans and the log records of kept traces on their way out: how they are
 * called in logs and meters, and how a batch is encoded in the spill directory (as the OTLP export
 * request of its service). Everything else — queue, batching, retries, spilling — is the same for
 * both, which is the delivery contract.
 */
final class Signal<T extends MessageLite> {

  /** Kept spans: meters {@code llmtail.exporter.queue.spans}, {@code …spill.spans}, … */
  static final Signal<ResourceSpans> SPANS =
      new Signal<>(
          "spans",
          "spans",
          "",
          ".otlp",
          batch -> ExportTraceServiceRequest.newBuilder().addAllResourceSpans(batch).build(),
          bytes -> ExportTraceServiceRequest.parseFrom(bytes).getResourceSpansList());

  /** Log records of kept traces: meters {@code llmtail.exporter.queue.log_records}, … */
  static final Signal<ResourceLogs> LOGS =
      new Signal<>(
          "log records",
          "log_records",
          "log_",
          ".logs.otlp",
          batch -> ExportLogsServiceRequest.newBuilder().addAllResourceLogs(batch).build(),
          bytes -> ExportLogsServiceRequest.parseFrom(bytes).getResourceLogsList());

  interface Encoder<T> {
    MessageLite request(List<T> batch);
  }

  interface Decoder<T> {
    List<T> batch(byte[] request) throws InvalidProtocolBufferException;
  }

  private final String noun;
  private final String countMeter;
  private final String meterPrefix;
  private final String fileSuffix;
  private final Encoder<T> encoder;
  private final Decoder<T> decoder;

  private Signal(
      String noun,
      String countMeter,
      String meterPrefix,
      String fileSuffix,
      Encoder<T> encoder,
      Decoder<T> decoder) {
    this.noun = noun;
    this.countMeter = countMeter;
    this.meterPrefix = meterPrefix;
    this.fileSuffix = fileSuffix;
    this.encoder = encoder;
    this.decoder = decoder;
  }

  /** {@code spans} or {@code log_records}: for thread names. */
  String id() {
    return countMeter;
  }

  /** As in "12 kept spans". */
  String noun() {
    return noun;
  }

  /** The meter counting items of this signal under {@code area}, e.g. {@code …queue.spans}. */
  String countMeter(String area) {
    return "llmtail.exporter." + area + "." + countMeter;
  }

  /**
   * Any other meter of this signal under {@code area}: the spans' names are kept as they were
   * ({@code llmtail.exporter.spill.bytes}); the log records' carry a {@code log_} prefix ({@code
   * llmtail.exporter.spill.log_bytes}).
   */
  String meter(String area, String name) {
    return "llmtail.exporter." + area + "." + meterPrefix + name;
  }

  /** How its batches' files end in the spill directory; spans and log records share it. */
  String fileSuffix() {
    return fileSuffix;
  }

  byte[] encode(List<T> batch) {
    return encoder.request(batch).toByteArray();
  }

  List<T> decode(byte[] request) throws InvalidProtocolBufferException {
    return decoder.batch(request);
  }

  long sizeOf(List<T> batch) {
    long bytes = 0;
    for (T item : batch) {
      bytes += item.getSerializedSize();
    }
    return bytes;
  }

  @Override
  public String toString() {
    return noun;
  }
}
