package dev.llmtail.server.promotion;

import dev.llmtail.core.TraceId;
import java.util.Objects;

/**
 * What asking to keep one trace did: kept it now, or why not, in a sentence that names the times.
 *
 * @param spans spans exported now (0 unless {@link Outcome#KEPT})
 * @param logRecords log records exported now (0 unless {@link Outcome#KEPT})
 */
public record KeepResult(
    TraceId traceId, Outcome outcome, String explanation, int spans, int logRecords) {

  /** Where the trace stood when it was asked for. */
  public enum Outcome {
    /** It was dropped and retained: its spans and log records are being exported now. */
    KEPT,
    /** It was kept already (by a policy or an earlier request): nothing was exported again. */
    ALREADY_KEPT,
    /** It is still buffered: it has not been decided yet, so there is nothing to overrule. */
    BUFFERED,
    /** It was dropped, and its spans are no longer retained: it cannot be kept any more. */
    NOT_RETAINED,
    /** llmtail knows nothing of it: never seen, or decided before the decision log's horizon. */
    UNKNOWN
  }

  public KeepResult {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(explanation, "explanation");
  }

  /** An answer that kept nothing. */
  public static KeepResult not(TraceId traceId, Outcome outcome, String explanation) {
    return new KeepResult(traceId, outcome, explanation, 0, 0);
  }
}
