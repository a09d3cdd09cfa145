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

  /** Schedules the decide loops and, if {@code reloadInterval} is positive, the config check. */
  static void schedule(
      ScheduledExecutorService pool,
      Runnable decideDue,
      Runnable checkConfig,
      Duration reloadInterval) {
    // Several loops over the same deadline queue: each due trace is taken by exactly one of them.
    for (int i = 0; i < Sidecar.DECIDERS; i++) {
      pool.scheduleWithFixedDelay(
          decideDue,
          Sidecar.DECISION_TICK.toMillis()
              + i * Sidecar.DECISION_TICK.toMillis() / Sidecar.DECIDERS,
          Sidecar.DECISION_TICK.toMillis(),
          TimeUnit.MILLISECONDS);
    }
    // The config check shares the decider threads: it reads and hashes a small file, and parses it
    // only when its content changed, so decisions are delayed at most by one parse per edit.
    if (!reloadInterval.isZero() && !reloadInterval.isNegative()) {
      pool.scheduleWithFixedDelay(
          checkConfig, reloadInterval.toMillis(), reloadInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
