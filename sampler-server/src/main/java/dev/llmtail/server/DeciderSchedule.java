package dev.llmtail.server;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The sidecar's decider threads: the loops that decide due traces and check the config file. */
final class DeciderSchedule {

  private DeciderSchedule() {}

  /** The pool of {@link Sidecar#DECIDERS} daemon threads. */
  static ScheduledExecutorService newPool() {
    return Executors.newScheduledThreadPool(
        Sidecar.DECIDERS,
        r -> {
          Thread t = new Thread(r, "llmtail-decider");
          t.setDaemon(true);
          return t;
        });
  }

  /** Schedules the decide loop and, if {@code reloadInterval} is positive, the config check. */
  static void schedule(
      ScheduledExecutorService pool,
      Runnable decideDue,
      Runnable checkConfig,
      Duration reloadInterval) {
    // One loop wakes per tick; the pool's other threads join its passes only while a pass takes
    // more than half a tick (a backlog). Two loops a half tick apart woke a thread twice as often,
    // about 50 us of CPU each on a 2-vCPU VM, whether or not a trace was due
    // (docs/performance.md, "The deciders' wake-ups").
    long tick = Sidecar.DECISION_TICK.toMillis();
    pool.scheduleWithFixedDelay(
        new DecidePass(
            pool,
            decideDue,
            Sidecar.DECIDERS - 1,
            Sidecar.DECISION_TICK.toNanos() / 2,
            System::nanoTime),
        tick,
        tick,
        TimeUnit.MILLISECONDS);
    // The config check shares the decider threads: it reads and hashes a small file, and parses it
    // only when its content changed, so decisions are delayed at most by one parse per edit.
    if (!reloadInterval.isZero() && !reloadInterval.isNegative()) {
      pool.scheduleWithFixedDelay(
          checkConfig, reloadInterval.toMillis(), reloadInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
