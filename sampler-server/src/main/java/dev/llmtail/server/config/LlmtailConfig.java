package dev.llmtail.server.config;

import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.buffer.BufferSettings;
import java.nio.file.Path;
import java.util.List;

/** A loaded and validated llmtail configuration file. */
public record LlmtailConfig(
    Path source,
    ReceiversConfig receivers,
    BufferSettings buffer,
    List<NamedPolicy> policies,
    ExporterConfig exporter) {

  public LlmtailConfig {
    policies = List.copyOf(policies);
  }
}
