package dev.llmtail.server.config;

import dev.llmtail.core.DecisionEngine;
import java.time.Instant;
import java.util.Objects;

/**
 * The config the sidecar runs with right now: its version (1 for the file read at start, one more
 * for each reload applied), the SHA-256 of the file text it came from, when it was applied, the
 * effective config and the engine built from its policies.
 */
public record ActiveConfig(
    int version, String sha256, Instant appliedAt, LlmtailConfig config, DecisionEngine engine) {

  public ActiveConfig {
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(appliedAt, "appliedAt");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(engine, "engine");
  }
}
