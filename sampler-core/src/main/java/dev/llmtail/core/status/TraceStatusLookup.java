package dev.llmtail.core.status;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.BufferedTraceInfo;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.log.DecisionRecord;
import dev.llmtail.core.log.ForgottenTrace;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds a trace's {@link TraceStatus} from the buffer (open traces and the decision cache) and the
 * decision log (records and forgotten ids), in the one order that answers right while a trace moves
 * between them: the buffer first, then the log's record, then the cache, then the log's forgotten
 * ids. Read-only and safe from any thread; each answer is a snapshot.
 */
public final class TraceStatusLookup {

  private final TraceBuffer buffer;
  private final DecisionLog log;

  public TraceStatusLookup(TraceBuffer buffer, DecisionLog log) {
    this.buffer = Objects.requireNonNull(buffer, "buffer");
    this.log = Objects.requireNonNull(log, "log");
  }

  /** Where {@code traceId} is now. */
  public TraceStatus status(TraceId traceId) {
    Optional<BufferedTraceInfo> waiting = buffer.describe(traceId);
    Optional<DecisionRecord> decided = log.find(traceId);
    if (waiting.isPresent()) {
      return new TraceStatus.Buffered(waiting.get(), decided);
    }
    if (decided.isPresent()) {
      return new TraceStatus.Decided(decided.get());
    }
    Instant horizon = log.horizon();
    Optional<ForgottenTrace> forgotten = log.forgotten(traceId);
    if (forgotten.isPresent()) {
      return new TraceStatus.Forgotten(forgotten.get(), horizon, log.maxEntries(), log.maxAge());
    }
    // The buffer remembers a decision a moment before the log records it, and (with a
    // decision_cache longer than the log) possibly after the log forgot it.
    Optional<RememberedDecision> cached = buffer.rememberedDecision(traceId);
    if (cached.isPresent()) {
      return new TraceStatus.RememberedOnly(traceId, cached.get(), horizon);
    }
    return new TraceStatus.NeverSeen(traceId, horizon);
  }
}
