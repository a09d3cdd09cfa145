package dev.llmtail.server.exporter;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import java.util.List;

/**
 * What differs between kept spans and the log records of kept traces on their way out: how they are
 * called in logs and meters, and how a batch is encoded in the spill directory (as the OTLP export
 * request of its service). Everything else — queue, batching, retries, spilling — is the same for
 * both, which is the delivery contract.
 */
final class Signal<T> {

  /**
   * Kept spans, each an encoded {@code ResourceSpans} (they leave as they are stored, see {@link
   * EncodedSpansRequest}): meters {@code llmtail.exporter.queue.spans}, {@code …spill.spans}, …
   */
  static final Signal<byte[]> SPANS =
      new Signal<>(
          "spans",
          "spans",
          "",
          ".otlp",
          EncodedSpansRequest::encode,
          EncodedSpansRequest::decode,
          bytes -> bytes.length);

  /** Log records of kept traces: meters {@code llmtail.exporter.queue.log_records}, … */
  static final Signal<ResourceLogs> LOGS =
      new Signal<>(
          "log records",
          "log_records",
          "log_",
          ".logs.otlp",
          batch ->
              ExportLogsServiceRequest.newBuilder().addAllResourceLogs(batch).build().toByteArray(),
          bytes -> ExportLogsServiceRequest.parseFrom(bytes).getResourceLogsList(),
          MessageLite::getSerializedSize);

  interface Encoder<T> {
    byte[] request(List<T> batch);
  }

  interface Sizer<T> {
    long bytes(T item);
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
  private final Sizer<T> sizer;

  private Signal(
      String noun,
      String countMeter,
      String meterPrefix,
      String fileSuffix,
      Encoder<T> encoder,
      Decoder<T> decoder,
      Sizer<T> sizer) {
    this.noun = noun;
    this.countMeter = countMeter;
    this.meterPrefix = meterPrefix;
    this.fileSuffix = fileSuffix;
    this.encoder = encoder;
    this.decoder = decoder;
    this.sizer = sizer;
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
    return encoder.request(batch);
  }

  List<T> decode(byte[] request) throws InvalidProtocolBufferException {
    return decoder.batch(request);
  }

  long sizeOf(List<T> batch) {
    long bytes = 0;
    for (T item : batch) {
      bytes += sizer.bytes(item);
    }
    return bytes;
  }

  @Override
  public String toString() {
    return noun;
  }
}
