package dev.llmtail.core.log;

import dev.llmtail.core.TraceId;
import java.time.Instant;

/**
 * A trace whose full record left the decision log because of its bounds: only when it was decided,
 * whether it was kept, and when its record was dropped from the log.
 */
public record ForgottenTrace(
    TraceId traceId, Instant decidedAt, boolean kept, Instant forgottenAt) {}
