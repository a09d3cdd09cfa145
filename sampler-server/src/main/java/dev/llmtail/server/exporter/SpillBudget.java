package dev.llmtail.server.exporter;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes that all spill directories of one exporter (spans, log records) may hold together:
 * {@code exporter.otlp.spill.max_size}. Lock-free; a reservation either fits whole or fails.
 */
final class SpillBudget {

  private final long maxBytes;
  private final AtomicLong used = new AtomicLong();

  SpillBudget(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Takes {@code bytes} of the budget if they fit; false (and nothing taken) if they do not. */
  boolean tryReserve(long bytes) {
    long now;
    do {
      now = used.get();
      if (now + bytes > maxBytes) {
        return false;
      }
    } while (!used.compareAndSet(now, now + bytes));
    return true;
  }

  /** Counts bytes found on disk at start, even beyond the bound (they are sent, not deleted). */
  void recovered(long bytes) {
    used.addAndGet(bytes);
  }

  void release(long bytes) {
    used.addAndGet(-bytes);
  }

  boolean hasRoomFor(long bytes) {
    return used.get() + bytes <= maxBytes;
  }
}
