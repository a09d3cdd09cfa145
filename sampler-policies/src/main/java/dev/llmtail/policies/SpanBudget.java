package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Verdict;

/**
 * A per-second budget of spans (or bytes), in trace time: the second a trace ended in. Trace time
 * rather than wall time so that replaying recorded traffic gives the answers live traffic got; a
 * {@link TraceClock}, so that one trace whose clock runs an hour ahead refills the budget once
 * instead of stopping its refill for an hour. Thread-safe.
 */
final class SpanBudget {

  private final Object lock = new Object();
  private final double perSecond;
  private final double capacity;
  private final TraceClock clock = new TraceClock();
  private double available; // guarded by lock

  /** A token bucket refilled at {@code perSecond}, holding at most {@code capacity}. */
  SpanBudget(double perSecond, double capacity) {
    this.perSecond = perSecond;
    this.capacity = capacity;
    this.available = capacity;
  }

  /**
   * Refuses a missing or non-positive per-second option, e.g. {@code "spans_per_second: 0
   * (expected: >= 1)"}.
   */
  static void requirePositive(String key, Long perSecond) {
    if (perSecond == null || perSecond < 1) {
      throw new IllegalArgumentException(
          key + ": " + (perSecond == null ? "missing" : perSecond) + " (expected: >= 1)");
    }
  }

  /** Takes {@code amount} at trace time {@code nanos} if the budget allows it. */
  boolean take(long nanos, double amount) {
    synchronized (lock) {
      long before = clock.read();
      long after = clock.advance(nanos);
      if (after > before) {
        available = Math.min(capacity, available + (after - before) / 1e9 * perSecond);
      }
      if (amount > available) {
        return false;
      }
      available -= amount;
      return true;
    }
  }

  /**
   * Keeps when the budget has room for {@code amount} at trace time {@code nanos} ("within the
   * {@code limit}"), else has no opinion ("over the {@code limit}").
   */
  Verdict keepWithin(long nanos, double amount, String limit, Evidence evidence) {
    return take(nanos, amount)
        ? Verdict.keep("within the " + limit, evidence)
        : Verdict.noOpinion("over the " + limit, evidence);
  }
}
