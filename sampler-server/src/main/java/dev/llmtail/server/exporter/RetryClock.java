package dev.llmtail.server.exporter;

import java.util.concurrent.TimeUnit;

/**
 * The time source of the export path and its only way to wait, injected so that retry, backoff and
 * batching timing is tested by advancing a fake clock instead of sleeping.
 */
interface RetryClock {

  /** Monotonic nanoseconds, as {@link System#nanoTime}. */
  long nanoTime();

  /** Waits {@code nanos}, or less if interrupted (then throws). */
  void sleep(long nanos) throws InterruptedException;

  /** The JVM's monotonic clock, waiting by parking the calling thread. */
  RetryClock SYSTEM =
      new RetryClock() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void sleep(long nanos) throws InterruptedException {
          TimeUnit.NANOSECONDS.sleep(nanos);
        }
      };
}
