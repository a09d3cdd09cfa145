package dev.llmtail.server.storage;

import dev.llmtail.core.buffer.RememberedDecision;
import java.time.Instant;

/**
 * A decision as the span log holds it: what was decided, when, and whether a kept trace's export
 * was settled.
 */
public record LoggedDecision(RememberedDecision decision, Instant decidedAt, boolean exported) {}
