package dev.llmtail.server.exporter;

import dev.llmtail.server.config.ExporterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;

/** Creates the configured exporter and names the metrics all exporters share. */
public final class Exporters {

  private Exporters() {}

  /** OTLP when {@code exporter.otlp.endpoint} is set, the file exporter otherwise. */
  public static SpanExporter create(ExporterConfig config, MeterRegistry meters) {
    return create(config, Optional.empty(), meters);
  }

  /**
   * Like {@link #create(ExporterConfig, MeterRegistry)}; with {@code spanLog} (the span log's
   * directory) the OTLP exporter leaves kept traces not yet delivered in the span log instead of a
   * spill directory.
   */
  public static SpanExporter create(
      ExporterConfig config, Optional<String> spanLog, MeterRegistry meters) {
    if (config.otlp().enabled()) {
      return new OtlpGrpcExporter(config.otlp(), spanLog, meters);
    }
    return new FileExporter(config.file(), meters);
  }

  /** The {@code spans} or {@code log_records} counter of {@code signal}. */
  static Counter counter(MeterRegistry meters, Signal<?> signal, String exporter, String result) {
    return signal == Signal.SPANS
        ? spans(meters, exporter, result)
        : logRecords(meters, exporter, result);
  }

  static Counter logRecords(MeterRegistry meters, String exporter, String result) {
    return Counter.builder("llmtail.exporter.log_records")
        .description(
            "Log records of kept traces by exporter and result: sent, failed (given up),"
                + " rejected_by_backend")
        .tag("exporter", exporter)
        .tag("result", result)
        .register(meters);
  }

  static Counter spans(MeterRegistry meters, String exporter, String result) {
    return Counter.builder("llmtail.exporter.spans")
        .description(
            "Kept spans by exporter and result: sent, failed (given up), rejected_by_backend")
        .tag("exporter", exporter)
        .tag("result", result)
        .register(meters);
  }
}
