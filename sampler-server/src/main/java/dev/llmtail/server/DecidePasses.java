package dev.llmtail.server;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.IntUnaryOperator;
import java.util.function.LongSupplier;

/**
 * What the decider threads run: the loop's pass once per tick, and a helper's drain while a backlog
 * lasts. Both decide due traces in chunks of {@link #CHUNK} until a chunk comes back short (no
 * trace is left due); after each full chunk, once the drain has run longer than {@code
 * helperAfter}, the next helper is called in, so a backlog is decided by every decider within the
 * pass that found it, and each stops as soon as none is left.
 *
 * <p>No threads or sleeps here (see {@link DeciderSchedule}): the clock, the buffer's bounded
 * {@code decideDue} and calling a helper are injected, so the schedule is tested with a fake clock.
 * A pass or config check that throws is logged and the loop goes on: the next tick runs again.
 *
 * <p>Why chunks: a pass that decides everything due at its start cannot tell a backlog from a busy
 * tick until it ends; two loops half a tick apart woke a thread every 12.5 ms even when idle, and
 * one loop whose helpers joined the next tick after a long pass drained a span-log backlog more
 * slowly (docs/performance.md, "The deciders' wake-ups").
 */
final class DecidePasses {

  /** Traces decided between two looks at the clock; about 1 ms of deciding on the llm input. */
  static final int CHUNK = 16;

  private static final System.Logger LOG = System.getLogger(DecidePasses.class.getName());

  private final IntUnaryOperator decideDue;
  private final Runnable checkConfig;
  private final long tickNanos;
  private final long helperAfterNanos;
  private final long reloadNanos;
  private final LongSupplier nanoTime;
  private final Runnable callHelper;
  private final BooleanSupplier stopping;
  // Read and written by the loop's thread only.
  private long nextConfigCheck;

  /**
   * @param decideDue decides at most the given number of due traces and returns how many
   * @param reloadInterval how often the loop checks the config file; zero or negative: never
   * @param callHelper wakes one idle helper, if any, to {@link #drain} beside the caller
   * @param stopping true once the deciders shut down: a drain stops between chunks
   */
  DecidePasses(
      IntUnaryOperator decideDue,
      Runnable checkConfig,
      Duration tick,
      Duration helperAfter,
      Duration reloadInterval,
      LongSupplier nanoTime,
      Runnable callHelper,
      BooleanSupplier stopping) {
    this.decideDue = decideDue;
    this.checkConfig = checkConfig;
    this.tickNanos = tick.toNanos();
    this.helperAfterNanos = helperAfter.toNanos();
    this.reloadNanos = Math.max(0, reloadInterval.toNanos());
    this.nanoTime = nanoTime;
    this.callHelper = callHelper;
    this.stopping = stopping;
    this.nextConfigCheck = nanoTime.getAsLong() + reloadNanos;
  }

  /** The clock reading at which the loop's first pass is due. */
  long firstTick() {
    return nanoTime.getAsLong() + tickNanos;
  }

  /**
   * The loop's pass: checks the config file if its interval passed, then decides due traces until
   * none is left, or for at most a tick while a backlog lasts, so that the config is still checked.
   * Returns the clock reading at which the next pass is due: a tick after this one started (at once
   * if this one ran longer).
   */
  long tick() {
    long start = nanoTime.getAsLong();
    if (reloadNanos > 0 && start - nextConfigCheck >= 0) {
      nextConfigCheck = start + reloadNanos;
      try {
        checkConfig.run();
      } catch (RuntimeException e) {
        // The check reports every expected failure itself; keep the loop alive for the rest.
        LOG.log(System.Logger.Level.ERROR, "checking the config file failed", e);
      }
    }
    drain(tickNanos);
    return start + tickNanos;
  }

  /** Decides due traces in chunks until none is left, calling in a helper while a backlog lasts. */
  void drain() {
    drain(Long.MAX_VALUE);
  }

  /** Like {@link #drain()}, returning after {@code maxNanos} even with traces still due. */
  private void drain(long maxNanos) {
    long start = nanoTime.getAsLong();
    while (!stopping.getAsBoolean()) {
      int decided;
      try {
        decided = decideDue.applyAsInt(CHUNK);
      } catch (RuntimeException e) {
        // Logged, not rethrown: the thread lives on and the next tick decides again.
        LOG.log(System.Logger.Level.ERROR, "deciding due traces failed", e);
        return;
      }
      if (decided < CHUNK) {
        return;
      }
      long ran = nanoTime.getAsLong() - start;
      if (ran > helperAfterNanos) {
        callHelper.run();
      }
      if (ran >= maxNanos) {
        return;
      }
    }
  }
}
