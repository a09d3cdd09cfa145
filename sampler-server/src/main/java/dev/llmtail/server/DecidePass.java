package dev.llmtail.server;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * One tick's pass over the due traces, run by a single scheduled loop: alone while a pass takes at
 * most half a tick, so an idle or lightly loaded sidecar wakes one thread per tick; after a longer
 * pass (a backlog), the next one is joined by up to {@code helpers} more threads of the pool, each
 * deciding due traces until none is left. Several passes may take from the same deadline queue;
 * each due trace is decided by exactly one of them.
 */
final class DecidePass implements Runnable {

  private final Executor pool;
  private final Runnable decideDue;
  private final int helpers;
  private final long busyNanos;
  private final LongSupplier nanoTime;
  private final AtomicInteger joined = new AtomicInteger();
  private volatile boolean busy;

  DecidePass(
      Executor pool, Runnable decideDue, int helpers, long busyNanos, LongSupplier nanoTime) {
    this.pool = pool;
    this.decideDue = decideDue;
    this.helpers = helpers;
    this.busyNanos = busyNanos;
    this.nanoTime = nanoTime;
  }

  @Override
  public void run() {
    if (busy) {
      while (joined.get() < helpers && join()) {
        // one more thread deciding beside this one
      }
    }
    long start = nanoTime.getAsLong();
    decideDue.run();
    busy = nanoTime.getAsLong() - start > busyNanos;
  }

  /** Hands one helping pass to the pool; false when the pool takes no more work (shutdown). */
  private boolean join() {
    joined.incrementAndGet();
    try {
      pool.execute(this::help);
      return true;
    } catch (RejectedExecutionException e) {
      joined.decrementAndGet();
      return false;
    }
  }

  private void help() {
    try {
      decideDue.run();
    } finally {
      joined.decrementAndGet();
    }
  }
}
