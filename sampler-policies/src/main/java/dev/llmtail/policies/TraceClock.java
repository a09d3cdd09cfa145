package dev.llmtail.policies;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.llmtail.core.TraceView;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A policy's clock in trace time — the end time of the traces it has seen — so that replaying
 * recorded traffic gives the answers live traffic got; also a Caffeine {@link Ticker}, for caches
 * that expire in trace time. Thread-safe.
 *
 * <p>Time follows the latest trace end, so traces decided slightly out of order do not move it
 * back. One span whose clock runs ahead (a device an hour fast) would then hold trace time an hour
 * ahead, starving every budget that refills with it: a trace that ends more than {@link #MAX_SKEW}
 * before the clock is taken as the truth and the clock goes back to it. The cost is that a trace
 * delayed by more than {@code MAX_SKEW} moves the clock back once, as a clock ahead does.
 */
final class TraceClock implements Ticker {

  /** How far behind the clock a trace may end and still be taken as out of order. */
  static final Duration MAX_SKEW = Duration.ofMinutes(1);

  private static final long UNSET = Long.MIN_VALUE;
  private final AtomicLong now = new AtomicLong(UNSET);

  /** Moves the clock to the end of {@code trace} (see the class comment); returns the time. */
  long advance(TraceView trace) {
    return advance(trace.endEpochNanos());
  }

  /** Moves the clock to {@code traceNanos} (see the class comment); returns the time. */
  long advance(long traceNanos) {
    long skew = MAX_SKEW.toNanos();
    return now.updateAndGet(
        t -> t == UNSET || traceNanos > t || traceNanos < t - skew ? traceNanos : t);
  }

  /** The current trace time in epoch nanos; 0 before the first trace. */
  @Override
  public long read() {
    long t = now.get();
    return t == UNSET ? 0 : t;
  }
}
