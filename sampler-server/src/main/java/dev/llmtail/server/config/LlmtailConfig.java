package dev.llmtail.server.config;

import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.buffer.BufferSettings;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loaded and validated llmtail configuration file.
 *
 * @param policyOptions the validated options of each policy by name, in evaluation order (what
 *     {@code /debug/config} shows)
 */
public record LlmtailConfig(
    Path source,
    ReceiversConfig receivers,
    BufferSettings buffer,
    List<NamedPolicy> policies,
    ExporterConfig exporter,
    AdminConfig admin,
    Map<String, Record> policyOptions,
    StorageConfig storage,
    ConversationsConfig conversations) {

  @SuppressWarnings("NullAway") // null picks the defaults, as an absent YAML section does
  public LlmtailConfig {
    policies = List.copyOf(policies);
    admin = admin == null ? new AdminConfig(null, null, null, null, null) : admin;
    storage = storage == null ? StorageConfig.memoryOnly() : storage;
    conversations = conversations == null ? ConversationsConfig.defaults() : conversations;
    policyOptions =
        Collections.unmodifiableMap(
            new LinkedHashMap<>(policyOptions == null ? Map.of() : policyOptions));
  }

  /** A configuration without a span log ({@code storage} absent: memory only). */
  @SuppressWarnings("NullAway") // null picks the defaults, as an absent YAML section does
  public LlmtailConfig(
      Path source,
      ReceiversConfig receivers,
      BufferSettings buffer,
      List<NamedPolicy> policies,
      ExporterConfig exporter,
      AdminConfig admin,
      Map<String, Record> policyOptions) {
    this(source, receivers, buffer, policies, exporter, admin, policyOptions, null, null);
  }
}
