package dev.llmtail.server;

import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.server.exporter.Exporters;
import dev.llmtail.server.exporter.SpanExporter;
import dev.llmtail.server.storage.SpanLog;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;

/** Creates the sidecar's exporter, with the span log (when durable) holding undelivered traces. */
final class SidecarExporter {

  private static final System.Logger LOG = System.getLogger(Sidecar.class.getName());

  private SidecarExporter() {}

  /** The configured exporter; warns when a spill directory is configured beside the span log. */
  static SpanExporter create(LlmtailConfig config, SpanLog spanLog, MeterRegistry meters) {
    if (spanLog.durable() && config.exporter().otlp().spill().enabled()) {
      // One mechanism for kept traces not yet delivered: with the span log on, they stay in it.
      LOG.log(
          System.Logger.Level.WARNING,
          "exporter.otlp.spill.directory {0} is not used: with the span log on (storage.directory"
              + " {1}) kept traces not yet delivered stay in the span log; remove"
              + " exporter.otlp.spill from the config",
          config.exporter().otlp().spill().directory(),
          config.storage().directory());
    }
    return Exporters.create(
        config.exporter(),
        spanLog.durable() ? Optional.of(config.storage().directory()) : Optional.empty(),
        meters);
  }
}
