package dev.llmtail.server.promotion;

import dev.llmtail.core.Decision;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.DecisionRecall;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.log.DecisionRecord;
import dev.llmtail.core.log.ForgottenTrace;
import dev.llmtail.server.storage.LoggedDecision;
import dev.llmtail.server.storage.SpanLog;
import dev.llmtail.server.storage.SpanLogException;
import java.util.Optional;

/**
 * Recalls the decision of a trace the decision cache forgot, for a fragment that carries evidence
 * ({@link LateEvidence#carries}): the fragment then follows that decision as a late one, so a
 * dropped trace whose spans the span log still retains ({@code storage.retention}, 1 h) is weighed
 * for promotion, and evidence for a dropped trace whose spans are gone is counted too late —
 * instead of the fragment opening a new trace that is decided on its own.
 *
 * <p>Where from: the span log's decision first (it outlives a restart, and holds a dropped trace as
 * long as its spans); if the log no longer knows the trace (retention swept it), the decision log
 * in memory, for a drop only — the fragment then follows the drop and is counted too late. A kept
 * decision from the span log is recalled too: late evidence of a kept trace follows the keep, as
 * within {@code decision_cache.ttl}.
 *
 * <p>Cost: the buffer asks only for a fragment of a trace it neither holds nor remembers (the first
 * fragment of every new trace). A fragment without evidence is answered without reading the log,
 * from a walk over its bytes that builds no message ({@link EncodedEvidence}); one with evidence
 * costs one read of the span log's decision (a RocksDB point lookup) and, when that finds nothing,
 * a look into the decision log in memory. Thread-safe.
 */
public final class SpanLogRecall implements DecisionRecall {

  private static final System.Logger LOG = System.getLogger(SpanLogRecall.class.getName());

  private final SpanLog spanLog;
  private final DecisionLog decisions;

  /**
   * @param spanLog a span log on disk; without one there is nothing to recall ({@link
   *     DecisionRecall#NONE})
   * @param decisions the decision log, asked when the span log no longer knows a trace
   */
  public SpanLogRecall(SpanLog spanLog, DecisionLog decisions) {
    if (!spanLog.durable()) {
      throw new IllegalArgumentException(
          "SpanLogRecall needs a span log on disk (storage.directory); without one use"
              + " DecisionRecall.NONE");
    }
    this.spanLog = spanLog;
    this.decisions = decisions;
  }

  @Override
  public Optional<RememberedDecision> spans(TraceFragment fragment) {
    return LateEvidence.carries(fragment) ? recall(fragment.traceId()) : Optional.empty();
  }

  @Override
  public Optional<RememberedDecision> logs(LogFragment fragment) {
    return LateEvidence.carries(fragment) ? recall(fragment.traceId()) : Optional.empty();
  }

  private Optional<RememberedDecision> recall(TraceId traceId) {
    Optional<LoggedDecision> logged;
    try {
      logged = spanLog.loggedDecision(traceId);
    } catch (SpanLogException e) {
      // The span path never throws: without the decision the fragment opens a new trace, as it
      // did before the log was asked.
      LOG.log(System.Logger.Level.WARNING, e.getMessage());
      return Optional.empty();
    }
    return logged.map(LoggedDecision::decision).or(() -> droppedInMemory(traceId));
  }

  /** A drop the decision log still knows, whose spans the span log let go of. */
  private Optional<RememberedDecision> droppedInMemory(TraceId traceId) {
    Optional<DecisionRecord> record = decisions.find(traceId);
    if (record.isPresent()) {
      Decision d = record.get().decision();
      return d.kept()
          ? Optional.empty()
          : Optional.of(new RememberedDecision(false, d.reason(), d.adjustedCount()));
    }
    return decisions
        .forgotten(traceId)
        .filter(f -> !f.kept())
        .map(ForgottenTrace::decidedAt)
        .map(at -> new RememberedDecision(false, "dropped at " + at, 1));
  }
}
