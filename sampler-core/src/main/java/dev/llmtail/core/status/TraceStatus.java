package dev.llmtail.core.status;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.BufferedTraceInfo;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.log.DecisionRecord;
import dev.llmtail.core.log.ForgottenTrace;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Where one trace is in llmtail, as {@link TraceStatusLookup} finds it: still {@link Buffered},
 * {@link Decided} with its full record, decided but only {@link RememberedOnly remembered}, {@link
 * Forgotten} by the decision log, or {@link NeverSeen}. Facts only; {@code /debug} puts them into
 * words.
 */
public sealed interface TraceStatus {

  /** The trace asked about. */
  TraceId traceId();

  /**
   * Still waiting for its decision.
   *
   * @param earlierDecision a decision of the same trace id the log still holds (spans that came
   *     after the decision was forgotten by the decision cache opened the trace again)
   */
  record Buffered(BufferedTraceInfo trace, Optional<DecisionRecord> earlierDecision)
      implements TraceStatus {
    @Override
    public TraceId traceId() {
      return trace.traceId();
    }
  }

  /** Decided, and the decision log holds the full record. */
  record Decided(DecisionRecord record) implements TraceStatus {
    @Override
    public TraceId traceId() {
      return record.traceId();
    }
  }

  /**
   * Decided, but only the buffer's decision cache knows it: the log is about to write the record
   * (the cache remembers a moment before the log), or forgot it while the cache still holds it.
   */
  record RememberedOnly(TraceId traceId, RememberedDecision decision, Instant logHorizon)
      implements TraceStatus {}

  /**
   * Decided, but the record left the decision log's bounds; only the outcome is left.
   *
   * @param logMaxEntries the log's {@code max_entries}
   * @param logMaxAge the log's {@code max_age}
   */
  record Forgotten(ForgottenTrace trace, Instant logHorizon, int logMaxEntries, Duration logMaxAge)
      implements TraceStatus {
    @Override
    public TraceId traceId() {
      return trace.traceId();
    }
  }

  /** No span of it is buffered and no decision of it is known since {@code logHorizon}. */
  record NeverSeen(TraceId traceId, Instant logHorizon) implements TraceStatus {}
}
