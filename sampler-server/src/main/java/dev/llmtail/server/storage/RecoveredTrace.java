package dev.llmtail.server.storage;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One trace read back from the span log after a restart.
 *
 * @param decision the kept decision whose export was not confirmed, or null for an undecided trace
 * @param spans span fragments in arrival order, each with the time it was accepted
 * @param logs log fragments in arrival order, each with the time it was accepted
 * @param promoted whether the kept decision kept a dropped trace afterwards: its spans are exported
 *     marked {@code llmtail.sampling.promoted=true}, as they would have been
 */
public record RecoveredTrace(
    TraceId traceId,
    @Nullable RememberedDecision decision,
    List<Timed<TraceFragment>> spans,
    List<Timed<LogFragment>> logs,
    boolean promoted) {

  /** A fragment and the wall-clock time it was accepted. */
  public record Timed<T>(T fragment, Instant acceptedAt) {}
}
