package dev.llmtail.server;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The sidecar's decider threads: one loop that decides due traces every {@link
 * Sidecar#DECISION_TICK} and checks the config file, and up to {@link Sidecar#DECIDERS} - 1 helpers
 * that join its passes while there is a backlog ({@link DecidePass}).
 *
 * <p>The loop has a thread of its own and the helpers a plain pool, started on first use: a
 * scheduled pool of several threads hands the leadership of its queue from thread to thread at
 * every run, waking them all. So an idle sidecar wakes one thread per tick (about 50 us of CPU per
 * wake-up on a 2-vCPU VM, docs/performance.md, "The deciders' wake-ups").
 */
final class DeciderSchedule {

  private static final ThreadFactory DECIDER_THREADS =
      r -> {
        Thread t = new Thread(r, "llmtail-decider");
        t.setDaemon(true);
        return t;
      };

  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(DECIDER_THREADS);
  private final ExecutorService helpers =
      Executors.newFixedThreadPool(Math.max(1, Sidecar.DECIDERS - 1), DECIDER_THREADS);

  /** Schedules the decide loop and, if {@code reloadInterval} is positive, the config check. */
  void start(Runnable decideDue, Runnable checkConfig, Duration reloadInterval) {
    long tick = Sidecar.DECISION_TICK.toMillis();
    loop.scheduleWithFixedDelay(
        new DecidePass(
            helpers,
            decideDue,
            Sidecar.DECIDERS - 1,
            Sidecar.DECISION_TICK.toNanos() / 2,
            System::nanoTime),
        tick,
        tick,
        TimeUnit.MILLISECONDS);
    // The config check shares the loop's thread: it reads and hashes a small file, and parses it
    // only when its content changed, so decisions are delayed at most by one parse per edit.
    if (!reloadInterval.isZero() && !reloadInterval.isNegative()) {
      loop.scheduleWithFixedDelay(
          checkConfig, reloadInterval.toMillis(), reloadInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Stops scheduling passes and waits up to {@code timeout} for the running ones to end. */
  void stop(Duration timeout) throws InterruptedException {
    loop.shutdown();
    helpers.shutdown();
    long end = System.nanoTime() + timeout.toNanos();
    loop.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    helpers.awaitTermination(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
  }
}
