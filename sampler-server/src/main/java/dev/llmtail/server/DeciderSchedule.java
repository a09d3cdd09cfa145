package dev.llmtail.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntUnaryOperator;

/**
 * The sidecar's decider threads: one loop that wakes once per {@link Sidecar#DECISION_TICK} to
 * decide due traces and check the config file, and up to {@link Sidecar#DECIDERS} - 1 helpers,
 * parked until a pass finds a backlog ({@link DecidePasses}).
 *
 * <p>Threads of its own rather than a scheduled pool: a pool of several threads hands the
 * leadership of its queue from thread to thread at every run, waking them all, and a wake-up costs
 * about 35 us of CPU on a 2-vCPU VM (docs/performance.md, "The deciders' wake-ups"). So an idle
 * sidecar wakes one thread per tick and a helper only while traces are due faster than one thread
 * decides them.
 *
 * <p>Concurrency. Each helper's state goes IDLE → CALLED (by whoever calls it in, which then
 * unparks it) → BUSY (while it drains) → IDLE; a call that lands while it is BUSY is not needed:
 * the caller calls again after its next full chunk. Threads are never interrupted (that could cut a
 * decision's I/O short): {@link #close} sets a flag, unparks them, and they stop between chunks.
 */
final class DeciderSchedule {

  /** How long a drain runs with traces still due before it calls in a helper. */
  static final Duration HELPER_AFTER = Sidecar.DECISION_TICK.dividedBy(10);

  private static final int IDLE = 0;
  private static final int CALLED = 1;
  private static final int BUSY = 2;

  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile List<Thread> threads = List.of();

  /** A helper thread and its state. */
  private record Helper(Thread thread, AtomicInteger state) {}

  /**
   * Starts the loop and {@code deciders - 1} helpers. {@code decideDue} decides at most the given
   * number of due traces and returns how many; {@code checkConfig} runs every {@code
   * reloadInterval} on the loop's thread (never if it is zero or negative).
   */
  void start(
      IntUnaryOperator decideDue,
      Runnable checkConfig,
      Duration reloadInterval,
      int deciders,
      Duration helperAfter) {
    List<Helper> helpers = new ArrayList<>();
    DecidePasses passes =
        new DecidePasses(
            decideDue,
            checkConfig,
            Sidecar.DECISION_TICK,
            helperAfter,
            reloadInterval,
            System::nanoTime,
            () -> callHelper(helpers),
            stopping::get);
    List<Thread> all = new ArrayList<>();
    all.add(daemon(() -> loop(passes), "llmtail-decider-1"));
    for (int i = 2; i <= deciders; i++) {
      AtomicInteger state = new AtomicInteger(IDLE);
      Thread t = daemon(() -> help(passes, state), "llmtail-decider-" + i);
      helpers.add(new Helper(t, state));
      all.add(t);
    }
    threads = List.copyOf(all);
    all.forEach(Thread::start);
  }

  private static Thread daemon(Runnable body, String name) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  private void loop(DecidePasses passes) {
    long next = passes.firstTick();
    while (!stopping.get()) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(this, wait);
      } else {
        next = passes.tick();
      }
    }
  }

  private void help(DecidePasses passes, AtomicInteger state) {
    while (!stopping.get()) {
      if (state.compareAndSet(CALLED, BUSY)) {
        try {
          passes.drain();
        } finally {
          state.set(IDLE);
        }
      } else {
        LockSupport.park(this);
      }
    }
  }

  /** Wakes the first idle helper; none when every helper is already deciding. */
  private static void callHelper(List<Helper> helpers) {
    for (Helper h : helpers) {
      if (h.state().compareAndSet(IDLE, CALLED)) {
        LockSupport.unpark(h.thread());
        return;
      }
    }
  }

  /**
   * Stops the threads after the chunk each is deciding, waiting up to {@code timeout} for them;
   * what is still due is left to the caller ({@code decideAll}). Does nothing if never started.
   */
  void close(Duration timeout) {
    stopping.set(true);
    threads.forEach(LockSupport::unpark);
    long end = System.nanoTime() + timeout.toNanos();
    try {
      for (Thread t : threads) {
        long left = end - System.nanoTime();
        if (left > 0) {
          t.join(Math.max(1, left / 1_000_000));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
