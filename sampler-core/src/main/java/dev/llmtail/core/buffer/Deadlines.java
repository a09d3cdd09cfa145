package dev.llmtail.core.buffer;

import dev.llmtail.core.DecisionTrigger;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import org.jspecify.annotations.Nullable;

/**
 * When each open trace is due: one {@link TraceState.Timer} per open trace in a skip-list ordered
 * by deadline, and every open trace in creation order for "the oldest" under pressure.
 *
 * <p>A trace's timer is set at the hard cap ({@code max_trace_wait} after its first span) when it
 * opens and moved earlier once its root span ends. Spans that merely extend the quiet period leave
 * it in place, so it may fire early: then it is re-armed at the trace's real deadline. A trace
 * whose root span matched a {@link CompletionRule} uses the rule's quiet period and hard cap
 * instead. Caffeine's expiry is not used for this: its timer wheel has about a second of slack, too
 * coarse for a quiet period.
 *
 * <p>Concurrency. A timer and a trace's {@code timer}/{@code closed} fields change only under the
 * trace's lock. Several threads may take due timers at once: each timer is taken by whoever removes
 * it from the skip-list, and a trace is closed exactly once.
 */
final class Deadlines {

  private final long quietNanos;
  private final long maxWaitNanos;
  private final ConcurrentSkipListSet<TraceState.Timer> timers = new ConcurrentSkipListSet<>();
  private final ConcurrentSkipListMap<Long, TraceState> byAge = new ConcurrentSkipListMap<>();

  Deadlines(BufferSettings settings) {
    this.quietNanos = settings.quietPeriod().toNanos();
    this.maxWaitNanos = settings.maxTraceWait().toNanos();
  }

  /** A closed trace that is due now, and why. */
  record Due(TraceState state, DecisionTrigger trigger) {}

  /** Arms the hard cap of a trace that just opened. */
  void open(TraceState s) {
    synchronized (s.lock) {
      s.timer = new TraceState.Timer(s.firstSeenNanos + maxWaitNanos, s);
      timers.add(s.timer);
    }
    byAge.put(s.seq, s);
  }

  /** Moves the timer of a trace whose root span just ended; the caller holds the trace's lock. */
  void rootEnded(TraceState s, long now) {
    moveEarlier(s, Math.min(now + quietNanos(s), hardCap(s)));
  }

  /**
   * Moves the timer of a trace whose root span matched a completion rule, if the rule makes it due
   * earlier; a later deadline needs nothing: the timer fires early and is re-armed. The caller
   * holds the trace's lock.
   */
  void ruleApplied(TraceState s) {
    moveEarlier(s, dueNanos(s));
  }

  private void moveEarlier(TraceState s, long due) {
    if (s.timer != null && due < s.timer.deadlineNanos() && timers.remove(s.timer)) {
      s.timer = new TraceState.Timer(due, s);
      timers.add(s.timer);
    }
  }

  /** Closes and returns the next trace due at {@code now}, or {@code null} if none is. */
  @Nullable Due nextDue(long now) {
    while (true) {
      Iterator<TraceState.Timer> earliest = timers.iterator();
      if (!earliest.hasNext()) {
        return null;
      }
      TraceState.Timer t = earliest.next();
      if (t.deadlineNanos() > now) {
        return null;
      }
      if (timers.remove(t)) {
        DecisionTrigger trigger = fire(t, now);
        if (trigger != null) {
          return new Due(t.state(), trigger);
        }
      }
    }
  }

  /** Closes the trace if it is due and returns the trigger; otherwise re-arms its timer. */
  @SuppressWarnings("ReferenceEquality") // a timer is current only if it is the very one armed
  private @Nullable DecisionTrigger fire(TraceState.Timer t, long now) {
    TraceState s = t.state();
    synchronized (s.lock) {
      if (s.closed || s.timer != t) {
        return null;
      }
      long due = dueNanos(s);
      if (due > now) {
        s.timer = new TraceState.Timer(due, s);
        timers.add(s.timer);
        return null;
      }
      s.closed = true;
      s.timer = null;
      return expectedTrigger(s);
    }
  }

  /** Closes an open trace; returns false if another thread already closed it. */
  boolean close(TraceState s) {
    synchronized (s.lock) {
      if (s.closed) {
        return false;
      }
      s.closed = true;
      if (s.timer != null) {
        timers.remove(s.timer);
        s.timer = null;
      }
      return true;
    }
  }

  /** The oldest trace not yet decided, or {@code null}. */
  Map.Entry<Long, TraceState> oldest() {
    return byAge.firstEntry();
  }

  /** Every trace not yet decided, oldest first. */
  Collection<TraceState> all() {
    return byAge.values();
  }

  /** Forgets a decided trace (or one being decided by another thread). */
  void forget(TraceState s) {
    byAge.remove(s.seq, s);
  }

  /** When the trace is due if nothing else arrives; the caller holds its lock. */
  long dueNanos(TraceState s) {
    return Math.min(hardCap(s), quietDue(s));
  }

  /** {@code COMPLETE} if the quiet period ends first, {@code MAX_WAIT} if the hard cap does. */
  DecisionTrigger expectedTrigger(TraceState s) {
    return quietDue(s) <= hardCap(s) ? DecisionTrigger.COMPLETE : DecisionTrigger.MAX_WAIT;
  }

  private long hardCap(TraceState s) {
    return s.firstSeenNanos + (s.rule == null ? maxWaitNanos : s.rule.maxTraceWait().toNanos());
  }

  private long quietNanos(TraceState s) {
    return s.rule == null ? quietNanos : s.rule.quietPeriod().toNanos();
  }

  private long quietDue(TraceState s) {
    return s.rootEnded ? s.lastSpanNanos + quietNanos(s) : Long.MAX_VALUE;
  }
}
