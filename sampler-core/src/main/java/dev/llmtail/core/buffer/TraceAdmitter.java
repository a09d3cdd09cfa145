package dev.llmtail.core.buffer;

import com.github.benmanes.caffeine.cache.Cache;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** Applies admitted span and log fragments to their trace's state, atomically per trace. */
final class TraceAdmitter {

  private final BufferSettings settings;
  private final SpanStore store;
  private final Cache<TraceId, TraceState> traces;
  private final Cache<TraceId, RememberedDecision> decisions;
  private final Deadlines deadlines;
  private final TraceDecider decider;
  private final BufferMetrics metrics;
  private final DecisionRecall recall;
  private final AtomicLong sequence = new AtomicLong();

  TraceAdmitter(
      BufferSettings settings,
      SpanStore store,
      Cache<TraceId, TraceState> traces,
      Cache<TraceId, RememberedDecision> decisions,
      Deadlines deadlines,
      TraceDecider decider,
      BufferMetrics metrics,
      DecisionRecall recall) {
    this.settings = settings;
    this.store = store;
    this.traces = traces;
    this.decisions = decisions;
    this.deadlines = deadlines;
    this.decider = decider;
    this.metrics = metrics;
    this.recall = recall;
  }

  /**
   * What admitting one fragment asks of the caller once the trace's compute returned: follow a
   * remembered decision ({@code late}), or decide a trace that passed a per-trace limit.
   */
  private record Admission(
      @Nullable RememberedDecision late,
      @Nullable TraceState overLimit,
      @Nullable DecisionTrigger limitTrigger) {
    static final Admission NONE = new Admission(null, null, null);

    static Admission late(@Nullable RememberedDecision decision) {
      return decision == null ? NONE : new Admission(decision, null, null);
    }
  }

  /** Admits one span fragment that arrived at {@code now}. */
  void admitSpans(TraceFragment fragment, long now) {
    metrics.spansAdmitted.increment(fragment.spanCount());
    // The wire size: the fragment is held encoded.
    int size = fragment.size();
    RememberedDecision recalled =
        unknown(fragment.traceId()) ? recall.spans(fragment).orElse(null) : null;
    Admission a =
        admitToTrace(
            fragment.traceId(), now, recalled, state -> append(state, fragment, size, now));
    if (a.late() != null) {
      decider.forwardLate(a.late(), fragment);
    }
    decideOverLimit(a);
  }

  /** Admits one log fragment that arrived at {@code now}. */
  void admitLogs(LogFragment fragment, long now) {
    metrics.logRecordsAdmitted.increment(fragment.recordCount());
    RememberedDecision recalled =
        unknown(fragment.traceId()) ? recall.logs(fragment).orElse(null) : null;
    Admission a =
        admitToTrace(fragment.traceId(), now, recalled, state -> appendLogs(state, fragment, now));
    if (a.late() != null) {
      decider.forwardLateLogs(a.late(), fragment);
    }
    decideOverLimit(a);
  }

  /**
   * Whether neither the buffer nor its decision cache knows the trace: only then is the recall
   * asked (outside the map's compute, so that a slow answer holds no lock of another trace).
   */
  private boolean unknown(TraceId traceId) {
    return recall != DecisionRecall.NONE
        && traces.getIfPresent(traceId) == null
        && decisions.getIfPresent(traceId) == null;
  }

  /**
   * Applies {@code append} to the trace's state atomically (creating the trace if it is neither
   * buffered nor remembered as decided). A {@code recalled} decision counts as remembered when the
   * trace is still unknown inside the compute; it is remembered again, so that the trace's next
   * fragments follow it without asking.
   */
  private Admission admitToTrace(
      TraceId traceId,
      long now,
      @Nullable RememberedDecision recalled,
      Function<TraceState, Admission> append) {
    Admission[] result = {Admission.NONE};
    traces
        .asMap()
        .compute(
            traceId,
            (id, state) -> {
              if (state == null) {
                RememberedDecision remembered = decisions.getIfPresent(id);
                if (remembered == null && recalled != null) {
                  decisions.put(id, recalled);
                  metrics.recalled.increment();
                  remembered = recalled;
                }
                if (remembered != null) {
                  result[0] = Admission.late(remembered);
                  return null;
                }
                state = open(id, now);
              }
              result[0] = append.apply(state);
              return state;
            });
    return result[0];
  }

  private TraceState open(TraceId id, long now) {
    TraceState state = new TraceState(id, sequence.incrementAndGet(), now);
    deadlines.open(state);
    metrics.traces.incrementAndGet();
    return state;
  }

  /** Appends spans under the state's lock. */
  private Admission append(TraceState state, TraceFragment fragment, int size, long now) {
    synchronized (state.lock) {
      if (state.closed) {
        if (state.decision != null) {
          return Admission.late(state.decision);
        }
        state.addLate(fragment);
        return Admission.NONE;
      }
      store.append(fragment);
      state.spanCount += fragment.spanCount();
      state.bytes += size;
      metrics.spans.addAndGet(fragment.spanCount());
      state.lastSpanNanos = now;
      metrics.bytes.addAndGet(size);
      if (!state.rootSeen && !settings.completionRules().isEmpty()) {
        applyCompletionRule(state, fragment);
      }
      if (fragment.endsRoot() && !state.rootEnded) {
        state.rootEnded = true;
        deadlines.rootEnded(state, now);
      }
      return checkLimits(state);
    }
  }

  /**
   * Checks the completion rules once the root span arrived: the first whose condition matches it
   * sets the trace's timing. Until the root arrives the buffer's defaults apply. Parses the
   * fragment: only with completion rules, and only until the root is seen.
   */
  private void applyCompletionRule(TraceState state, TraceFragment fragment) {
    ResourceSpans rs = fragment.spans();
    for (ScopeSpans ss : rs.getScopeSpansList()) {
      for (Span span : ss.getSpansList()) {
        if (span.getParentSpanId().isEmpty()) {
          state.rootSeen = true;
          SpanView root = new SpanView(span, rs.getResource(), ss.getScope());
          for (CompletionRule rule : settings.completionRules()) {
            if (rule.matches().test(root)) {
              state.rule = rule;
              deadlines.ruleApplied(state);
              return;
            }
          }
          return;
        }
      }
    }
  }

  /** Appends log records under the state's lock. */
  private Admission appendLogs(TraceState state, LogFragment fragment, long now) {
    synchronized (state.lock) {
      if (state.closed) {
        if (state.decision != null) {
          return Admission.late(state.decision);
        }
        state.addLateLogs(fragment);
        return Admission.NONE;
      }
      int size = fragment.logs().getSerializedSize();
      state.addLogs(fragment.logs());
      state.bytes += size;
      state.lastSpanNanos = now;
      metrics.bytes.addAndGet(size);
      return checkLimits(state);
    }
  }

  /** Closes a trace over a per-trace limit so that the admitting thread decides it. */
  private Admission checkLimits(TraceState state) {
    DecisionTrigger trigger =
        state.spanCount > settings.maxTraceSpans()
            ? DecisionTrigger.MAX_TRACE_SPANS
            : state.bytes > settings.maxTraceBytes() ? DecisionTrigger.MAX_TRACE_BYTES : null;
    if (trigger == null || !deadlines.close(state)) {
      return Admission.NONE;
    }
    return new Admission(null, state, trigger);
  }

  private void decideOverLimit(Admission a) {
    TraceState over = a.overLimit();
    if (over != null) {
      DecisionTrigger trigger = Objects.requireNonNull(a.limitTrigger(), "set with overLimit");
      metrics.overLimit(trigger);
      decider.decide(over, trigger);
    }
  }
}
