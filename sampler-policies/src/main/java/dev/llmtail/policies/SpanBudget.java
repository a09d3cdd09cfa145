package dev.llmtail.policies;

/**
 * A per-second budget of spans (or bytes), in trace time: the second a trace ended in. Trace time
 * rather than wall time so that replaying recorded traffic gives the answers live traffic got.
 * Thread-safe.
 */
final class SpanBudget {

  private final Object lock = new Object();
  private final double perSecond;
  private final double capacity;
  private double available; // guarded by lock
  private long lastNanos = Long.MIN_VALUE; // guarded by lock

  /** A token bucket refilled at {@code perSecond}, holding at most {@code capacity}. */
  SpanBudget(double perSecond, double capacity) {
    this.perSecond = perSecond;
    this.capacity = capacity;
    this.available = capacity;
  }

  /** Takes {@code amount} at trace time {@code nanos} if the budget allows it. */
  boolean take(long nanos, double amount) {
    synchronized (lock) {
      if (lastNanos != Long.MIN_VALUE && nanos > lastNanos) {
        available = Math.min(capacity, available + (nanos - lastNanos) / 1e9 * perSecond);
      }
      lastNanos = Math.max(lastNanos, nanos);
      if (amount > available) {
        return false;
      }
      available -= amount;
      return true;
    }
  }
}
