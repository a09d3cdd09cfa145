package dev.llmtail.server.promotion;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.DurationFormat;
import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.log.DecisionRecord;
import dev.llmtail.core.status.TraceStatus;
import dev.llmtail.core.status.TraceStatusLookup;
import dev.llmtail.server.promotion.KeepResult.Outcome;
import dev.llmtail.server.storage.LoggedDecision;
import dev.llmtail.server.storage.SpanLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Keeps dropped traces after the fact, while the span log still retains their spans: the whole
 * trace — every retained span and log record — is exported once, marked {@code
 * llmtail.sampling.promoted=true} with adjusted count 1, and the decision log keeps both decisions.
 *
 * <p>Exported once: promotions run one at a time (one lock), and each first asks the span log
 * whether the trace is still dropped and held; the new decision is written to the span log (by
 * {@code SpanLogDecisions}, before the exporter sees the trace), so the next request finds it kept.
 * After a restart the span log re-exports a kept trace only if its export was not settled.
 */
public final class TracePromoter {

  /** The reason written on traces kept because someone asked. */
  public static final String ON_REQUEST = "kept on request";

  private final TraceBuffer buffer;
  private final SpanLog spanLog;
  private final DecisionLog log;
  private final TraceStatusLookup status;
  private final Duration retention;
  private final Clock clock;
  private final EvidencePolicies evidence;
  private final Object lock = new Object();
  private final Counter tooLate;
  // Bounded: a note for /debug, not a record; the decision log forgets the trace meanwhile anyway.
  private final Cache<TraceId, Instant> tooLateAt =
      Caffeine.newBuilder().maximumSize(10_000).executor(Runnable::run).build();

  /**
   * @param retention {@code storage.retention}: how long a dropped trace's spans are held
   * @param engine the running policies, re-run over a dropped trace when evidence arrives late
   *     (without those that sample or spend a budget: {@link EvidencePolicies})
   */
  public TracePromoter(
      TraceBuffer buffer,
      SpanLog spanLog,
      DecisionLog log,
      Duration retention,
      Supplier<DecisionEngine> engine,
      MeterRegistry meters,
      Clock clock) {
    this.evidence = new EvidencePolicies(engine, meters);
    this.tooLate =
        Counter.builder("llmtail.promotions.too_late")
            .description(
                "Late spans or log records for a dropped trace whose spans the span log no longer"
                    + " held: too late to keep it")
            .register(meters);
    this.buffer = buffer;
    this.spanLog = spanLog;
    this.log = log;
    this.status = new TraceStatusLookup(buffer, log);
    this.retention = retention;
    this.clock = clock;
  }

  /** Exports a dropped, still retained trace now, with the reason {@value #ON_REQUEST}. */
  public KeepResult keepOnRequest(TraceId traceId) {
    return keep(traceId, ON_REQUEST, List.of());
  }

  /**
   * Exports a dropped, still retained trace now, promoted with {@code reason} and the verdicts that
   * explain it (e.g. "kept with conversation c-1" when another turn of it was kept on evidence).
   */
  public KeepResult keep(TraceId traceId, String reason, List<PolicyVerdict> verdicts) {
    synchronized (lock) {
      TraceStatus now = status.status(traceId);
      if (now instanceof TraceStatus.Buffered) {
        return KeepResult.not(
            traceId,
            Outcome.BUFFERED,
            "Trace "
                + traceId.toHex()
                + " is still buffered and not decided yet: nothing to overrule. Ask again once it"
                + " was dropped.");
      }
      Optional<KeepResult> notDropped = keptAlready(traceId, now);
      if (notDropped.isPresent()) {
        return notDropped.get();
      }
      int[] counts = new int[2];
      Optional<Decision> kept =
          buffer.promote(
              traceId,
              () -> spanLog.retained(traceId),
              view -> {
                counts[0] = view.spanCount();
                counts[1] = view.logRecordCount();
                return Optional.of(
                    new Decision(
                        traceId,
                        true,
                        reason,
                        1,
                        DecisionTrigger.PROMOTED,
                        clock.instant(),
                        verdicts));
              });
      if (kept.isEmpty()) {
        return notRetained(traceId, status.status(traceId));
      }
      return new KeepResult(
          traceId,
          Outcome.KEPT,
          Character.toUpperCase(reason.charAt(0))
              + reason.substring(1)
              + " at "
              + kept.get().decidedAt()
              + ": "
              + counts[0]
              + (counts[0] == 1 ? " span" : " spans")
              + " and "
              + counts[1]
              + (counts[1] == 1 ? " log record" : " log records")
              + " of trace "
              + traceId.toHex()
              + " go to the exporter, marked llmtail.sampling.promoted=true.",
          counts[0],
          counts[1]);
    }
  }

  /**
   * Spans or log records arrived for a dropped trace: if the span log still holds it, the policies
   * that judge evidence run again over the whole trace, late evidence included, and a keep by any
   * of them (with no drop vote) exports it ("kept by flagged on late evidence"). Called on the span
   * path: never throws for a trace it cannot promote, and does nothing without a span log.
   */
  public void weighLateEvidence(TraceId traceId) {
    if (!spanLog.durable()) {
      return;
    }
    synchronized (lock) {
      if (spanLog.heldUntil(traceId).filter(until -> until.isAfter(clock.instant())).isEmpty()) {
        // Kept already (a trace kept meanwhile) or no longer held: the late spans follow the
        // decision. Past retention that is worth saying: this evidence came too late.
        boolean keptMeanwhile =
            buffer.rememberedDecision(traceId).map(RememberedDecision::kept).orElse(false);
        if (!keptMeanwhile) {
          tooLate.increment();
          tooLateAt.put(traceId, clock.instant());
        }
        return;
      }
      buffer.promote(
          traceId, () -> spanLog.retained(traceId), view -> evidence.decide(view, clock.instant()));
    }
  }

  /**
   * Why evidence that arrived for this dropped trace did not keep it, if it came after the span log
   * stopped holding its spans; what {@code /debug/traces/{id}} adds to its explanation.
   */
  public Optional<String> lateEvidenceNote(TraceId traceId) {
    Instant at = tooLateAt.getIfPresent(traceId);
    if (at == null) {
      return Optional.empty();
    }
    return Optional.of(
        "Evidence for it (spans or log records) arrived at "
            + at
            + ", after the span log no longer held its spans (storage.retention "
            + DurationFormat.format(retention)
            + "): too late to keep it; counted in llmtail_promotions_too_late_total.");
  }

  /**
   * Keeps every dropped, still retained trace of a conversation the decision log knows; one answer
   * per trace, newest decision first, or none when the log knows no trace of it.
   */
  public List<KeepResult> keepConversationOnRequest(String conversationId) {
    List<KeepResult> results = new ArrayList<>();
    for (DecisionRecord r : log.conversation(conversationId)) {
      results.add(keepOnRequest(r.traceId()));
    }
    return results;
  }

  /** The answer when the trace is not a dropped one whose spans are held, if it is not. */
  private Optional<KeepResult> keptAlready(TraceId traceId, TraceStatus now) {
    Optional<Decision> decided = decision(now);
    boolean kept =
        decided.map(Decision::kept).orElse(false)
            || (now instanceof TraceStatus.RememberedOnly r && r.decision().kept())
            || (now instanceof TraceStatus.Forgotten f && f.trace().kept());
    if (kept) {
      String how =
          decided
              .map(d -> " at " + d.decidedAt() + " (" + d.reason() + ")")
              .orElse(" (the decision log no longer holds its record)");
      return Optional.of(alreadyKept(traceId, how, "its spans went to the exporter then"));
    }
    // After a restart the decision log is empty, but the span log still knows a kept trace.
    Optional<LoggedDecision> logged =
        spanLog.loggedDecision(traceId).filter(l -> l.decision().kept());
    if (logged.isPresent()) {
      return Optional.of(
          alreadyKept(
              traceId,
              " at "
                  + logged.get().decidedAt()
                  + " ("
                  + logged.get().decision().reason()
                  + ", as the span log recorded it before a restart)",
              logged.get().exported()
                  ? "its spans went to the exporter then"
                  : "its spans are being sent again after the restart"));
    }
    // Past its retention a trace is gone, even if the next sweep has not deleted its spans yet.
    if (spanLog.heldUntil(traceId).filter(until -> until.isAfter(clock.instant())).isEmpty()) {
      return Optional.of(notRetained(traceId, now));
    }
    return Optional.empty();
  }

  private static KeepResult alreadyKept(TraceId traceId, String how, String spans) {
    return KeepResult.not(
        traceId,
        Outcome.ALREADY_KEPT,
        "Trace "
            + traceId.toHex()
            + " was kept already"
            + how
            + ": "
            + spans
            + "; nothing is exported again.");
  }

  private KeepResult notRetained(TraceId traceId, TraceStatus now) {
    if (now instanceof TraceStatus.Buffered) {
      return KeepResult.not(
          traceId,
          Outcome.BUFFERED,
          "Trace " + traceId.toHex() + " was reopened by a late span and is buffered again.");
    }
    Optional<Instant> droppedAt =
        decision(now)
            .map(Decision::decidedAt)
            .or(
                () ->
                    now instanceof TraceStatus.Forgotten f
                        ? Optional.of(f.trace().decidedAt())
                        : Optional.empty());
    if (droppedAt.isEmpty() && !(now instanceof TraceStatus.RememberedOnly)) {
      return KeepResult.not(
          traceId,
          Outcome.UNKNOWN,
          "Trace "
              + traceId.toHex()
              + " was not seen since "
              + log.horizon()
              + " (the decision log's horizon), and the span log holds no spans of it.");
    }
    String dropped =
        "Trace "
            + traceId.toHex()
            + " was dropped"
            + droppedAt.map(t -> " at " + t).orElse("")
            + ", and its spans are no longer retained";
    if (!spanLog.durable()) {
      return KeepResult.not(
          traceId,
          Outcome.NOT_RETAINED,
          dropped
              + ": storage.directory is empty, so llmtail holds no dropped spans (set"
              + " storage.directory to keep dropped traces afterwards).");
    }
    if (droppedAt.isEmpty()) {
      return KeepResult.not(traceId, Outcome.NOT_RETAINED, dropped + ".");
    }
    Instant heldUntil = droppedAt.get().plus(retention);
    return KeepResult.not(
        traceId,
        Outcome.NOT_RETAINED,
        heldUntil.isAfter(clock.instant())
            ? dropped
                + ": the span log deleted them early, to stay under storage.max_size (storage.retention"
                + " would have held them until "
                + heldUntil
                + ")."
            : dropped
                + " since "
                + heldUntil
                + " (storage.retention "
                + DurationFormat.format(retention)
                + ").");
  }

  private static Optional<Decision> decision(TraceStatus now) {
    if (now instanceof TraceStatus.Decided d) {
      return Optional.of(d.record().decision());
    }
    return Optional.empty();
  }
}
