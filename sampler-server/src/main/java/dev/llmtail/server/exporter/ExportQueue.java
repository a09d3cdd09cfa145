package dev.llmtail.server.exporter;

import dev.llmtail.server.config.ExporterConfig.OtlpExporterConfig;
import dev.llmtail.server.exporter.RetryingSender.Result;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The way out for one {@link Signal}: a memory queue bounded by item count and bytes, one sender
 * thread that batches up to {@code max_batch_spans} items or {@code batch_timeout}, sends each
 * batch through the {@link RetryingSender}, and routes what does not fit or could not be sent in
 * time to the {@link SpillDirectory}, whose batches it sends when the memory queue is idle.
 *
 * <p>With the span log on ({@code storage.directory}), there is no spill directory: a kept trace
 * stays in the log (state "kept, not exported") until its batch {@linkplain #offer settles}, and is
 * exported again after a restart. A batch whose retry time ran out goes back to the end of the
 * memory queue instead of to disk, so the backlog is retried while the process runs and bounded by
 * the memory queue ({@link #atCapacity} refuses new requests); one the shutdown deadline leaves
 * unsent stays in the log, unsettled. Items offered without a settle callback (log records without
 * a trace id) are not held by the log and are treated as without a spill directory.
 *
 * <p>Never loses what it took. When the memory queue is at its bound, new batches go to disk if a
 * spill directory is configured; a batch whose retry time ran out, and everything still queued at
 * the shutdown deadline, goes there too, and is sent after the next start. Only when there is no
 * room on disk either is a batch taken over the memory bound ({@link #atCapacity} then tells the
 * receivers to refuse new requests, which bounds the overshoot), or, at shutdown, counted as {@code
 * failed}. Callers of {@link #offer} never block; the sender thread is the only consumer.
 */
final class ExportQueue<T> {

  /** The export call for one batch; returns how many items the backend rejected. */
  interface BatchCall<T> {
    long send(List<T> batch, int count);
  }

  /** The settle callback of items the span log does not hold (log records without a trace). */
  static final Runnable UNTRACKED = () -> {};

  /** {@code settled} runs once the batch no longer needs llmtail's memory (see {@link #offer}). */
  private record Item<T>(List<T> batch, int count, long bytes, Runnable settled) {}

  /** The settle callback of {@link #WAKE}, which tells it apart. */
  static final Runnable WAKES = () -> {};

  /** Put in the queue by {@link #stop} to wake a sender waiting for items; holds none. */
  private static final Item<Object> WAKE = new Item<>(List.of(), 0, 0, WAKES);

  private final Signal<T> signal;
  private final OtlpExporterConfig config;
  private final Optional<SpillDirectory<T>> spill;

  /** Where the span log holds what is not settled yet: then there is no spill directory. */
  private final Optional<String> spanLog;

  private final RetryingSender sender;
  private final BatchCall<T> call;
  private final ExportOutcomes outcomes;
  private final RetryClock clock;
  private final LinkedBlockingQueue<Item<T>> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedItems = new AtomicLong();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicLong unsentAtStop = new AtomicLong();
  private final Thread thread;
  private volatile boolean stopping;
  private volatile long stopByNanos = Long.MAX_VALUE;

  ExportQueue(
      Signal<T> signal,
      OtlpExporterConfig config,
      Optional<SpillDirectory<T>> spill,
      Optional<String> spanLog,
      RetryingSender sender,
      BatchCall<T> call,
      ExportHealth health,
      RetryClock clock,
      MeterRegistry meters) {
    this.signal = signal;
    this.config = config;
    if (spill.isPresent() && spanLog.isPresent()) {
      throw new IllegalArgumentException(
          "a spill directory and the span log both hold kept batches: use one");
    }
    this.spill = spill;
    this.spanLog = spanLog;
    this.sender = sender;
    this.call = call;
    this.clock = clock;
    this.outcomes =
        new ExportOutcomes(signal, spanLog, spill.map(SpillDirectory::directory), health, meters);
    Gauge.builder(signal.countMeter("queue"), queuedItems, AtomicLong::get)
        .description("Kept " + signal + " waiting to be sent")
        .tag("exporter", "otlp")
        .register(meters);
    Gauge.builder(signal.meter("queue", "bytes"), queuedBytes, AtomicLong::get)
        .description("Bytes of kept " + signal + " waiting in memory to be sent")
        .tag("exporter", "otlp")
        .baseUnit("bytes")
        .register(meters);
    this.thread = new Thread(this::sendLoop, "llmtail-otlp-" + signal.id());
    thread.setDaemon(true);
  }

  ExportQueue<T> start() {
    thread.start();
    return this;
  }

  /**
   * Takes a batch without blocking; false only if it arrived after the stop and found no room.
   * {@code settled} runs once the batch is delivered, spilled or refused for good — not when it is
   * lost in memory — so that the span log can let go of it.
   */
  boolean offer(List<T> batch, int count, Runnable settled) {
    if (stopping || memoryFull()) {
      if (spillBatch(batch, count)) {
        settled.run();
        return true;
      }
      if (stopping && heldByLog(settled)) {
        unsentAtStop.addAndGet(count);
        outcomes.leftInLog(count, "arrived after the exporter stopped");
        return true;
      }
      if (stopping) {
        outcomes.lost(count, "arrived after the exporter stopped");
        return false;
      }
      // Over the memory bound with nowhere else to go: take it anyway (it was accepted), and let
      // atCapacity() make the receivers refuse new requests until the queue drains.
    }
    long bytes = signal.sizeOf(batch);
    queuedItems.addAndGet(count);
    queuedBytes.addAndGet(bytes);
    queue.add(new Item<>(batch, count, bytes, settled));
    if (queuedItems.get() >= config.maxBatchSpans()) {
      LockSupport.unpark(thread); // a full batch: no reason to wait for the batch timeout
    }
    return true;
  }

  boolean atCapacity() {
    return memoryFull()
        && spill.map(s -> !s.hasRoomFor(config.queueMaxBytes().bytes() / 16)).orElse(true);
  }

  private boolean memoryFull() {
    return queuedItems.get() >= config.queueSize()
        || queuedBytes.get() >= config.queueMaxBytes().bytes();
  }

  /** Stops taking from memory at {@code stopByNanos} (on the {@link RetryClock}). */
  void stop(long stopByNanos) {
    this.stopByNanos = stopByNanos;
    stopping = true;
    queue.add(wake());
    LockSupport.unpark(thread);
  }

  @SuppressWarnings("unchecked") // holds no items: its batch is never read
  private Item<T> wake() {
    return (Item<T>) WAKE;
  }

  /** Waits for the sender thread to finish, interrupting it after {@code millis}. */
  void awaitStopped(long millis) throws InterruptedException {
    thread.join(Math.max(1, millis));
    if (thread.isAlive()) {
      thread.interrupt();
      thread.join(1_000);
    }
  }

  /** Items the stop left unsent (spilled, or counted failed). */
  long unsentAtStop() {
    return unsentAtStop.get();
  }

  /** Items waiting on disk for a later start. */
  long onDisk() {
    return spill.map(SpillDirectory::count).orElse(0L);
  }

  private void sendLoop() {
    long batchTimeoutNanos = config.batchTimeout().toNanos();
    try {
      while (!(stopping && queue.isEmpty()) && clock.nanoTime() < stopByNanos) {
        // Wait for new items only when there is nothing on disk to send meanwhile; stop() wakes
        // the wait with WAKE, so an idle queue costs no timer.
        boolean onDisk = spill.isPresent() && !spill.get().isEmpty();
        Item<T> first = stopping || onDisk ? queue.poll() : queue.take();
        if (first == null || first.settled() == WAKES) {
          if (!stopping) {
            sendSpilled();
          }
          continue;
        }
        awaitBatch(clock.nanoTime() + batchTimeoutNanos);
        List<Item<T>> items = new ArrayList<>();
        items.add(first);
        int count = first.count();
        while (count < config.maxBatchSpans()) {
          Item<T> next = queue.poll();
          if (next == null) {
            break;
          }
          if (next.settled() != WAKES) {
            items.add(next);
            count += next.count();
          }
        }
        List<T> batch = first.batch(); // most batches on the llm input: one kept trace as it came
        long bytes = first.bytes();
        if (items.size() > 1) {
          batch = new ArrayList<>(batch);
          for (Item<T> item : items.subList(1, items.size())) {
            batch.addAll(item.batch());
            bytes += item.bytes();
          }
        }
        try {
          Result result = send(batch, count);
          if (result.outcome() != RetryingSender.Outcome.UNSENT) {
            items.forEach(item -> item.settled().run());
          } else if (spanLog.isPresent() && !stopping) {
            retryLater(items, result.failure());
          } else {
            keepForLater(items, result.failure());
          }
        } catch (InterruptedException e) {
          keepForLater(items, "the shutdown deadline passed while sending");
          throw e;
        } finally {
          queuedItems.addAndGet(-count);
          queuedBytes.addAndGet(-bytes);
        }
      }
    } catch (InterruptedException e) {
      // Shutdown ran out of time while sending: what is left goes to disk below.
    }
    List<Item<T>> left = new ArrayList<>();
    queue.drainTo(left);
    left.removeIf(item -> item.settled() == WAKES);
    for (Item<T> item : left) {
      keepForLater(List.of(item), "the shutdown deadline passed");
      queuedItems.addAndGet(-item.count());
      queuedBytes.addAndGet(-item.bytes());
    }
  }

  /**
   * Sleeps until {@code deadlineNanos} so that the items decided meanwhile go out in one request,
   * unless a full batch is waiting or the exporter stops. Offers do not wake the sleep (one wake-up
   * per batch instead of one per kept trace); one that fills a batch does.
   */
  private void awaitBatch(long deadlineNanos) {
    // Parked for the clock's remaining time, measured as the park measures it, so that a clock
    // standing still in a test waits one batch timeout and not forever. An interrupt (the
    // shutdown deadline) ends the wait; the send that follows gives up and keeps the batch.
    long wakeAt = System.nanoTime() + (deadlineNanos - clock.nanoTime());
    long wait;
    while (!stopping
        && !Thread.currentThread().isInterrupted()
        && queuedItems.get() < config.maxBatchSpans()
        && (wait = wakeAt - System.nanoTime()) > 0) {
      LockSupport.parkNanos(this, wait);
    }
  }

  /**
   * Sends the oldest spilled batches, up to {@code max_batch_spans} items in one request; they
   * leave the disk only once they were sent or refused for good.
   */
  private void sendSpilled() throws InterruptedException {
    if (spill.isEmpty()) {
      return;
    }
    List<SpillDirectory.Batch<T>> batches = spill.get().peekUpTo(config.maxBatchSpans());
    if (batches.isEmpty()) {
      return;
    }
    List<T> batch = new ArrayList<>();
    int count = 0;
    for (SpillDirectory.Batch<T> b : batches) {
      batch.addAll(b.items());
      count += b.count();
    }
    if (send(batch, count).outcome() != RetryingSender.Outcome.UNSENT) {
      batches.forEach(spill.get()::remove);
    }
  }

  /** Sends one batch with retries and counts how it ended, except UNSENT (the caller's). */
  private Result send(List<T> batch, int count) throws InterruptedException {
    Result result = sender.send(() -> call.send(batch, count), () -> stopByNanos);
    outcomes.sendEnded(result, count);
    return result;
  }

  /**
   * With the span log on, a batch whose retry time ran out goes back to the end of the queue: the
   * backend is retried while the process runs, and the memory bound refuses new requests meanwhile.
   */
  private void retryLater(List<Item<T>> items, String why) {
    int count = items.stream().mapToInt(Item::count).sum();
    outcomes.queuedAgain(count, why);
    for (Item<T> item : items) {
      queuedItems.addAndGet(item.count());
      queuedBytes.addAndGet(item.bytes());
      queue.add(item);
    }
  }

  /**
   * Items that could not be sent in time: those the span log holds stay there unsettled (exported
   * after the next start); the others go to disk and settle, or are counted as failed if there is
   * no room.
   */
  private void keepForLater(List<Item<T>> items, String why) {
    List<T> batch = new ArrayList<>();
    List<Item<T>> toSpill = new ArrayList<>();
    int count = 0;
    int inLog = 0;
    for (Item<T> item : items) {
      if (stopping) {
        unsentAtStop.addAndGet(item.count());
      }
      if (heldByLog(item.settled())) {
        inLog += item.count();
      } else {
        batch.addAll(item.batch());
        toSpill.add(item);
        count += item.count();
      }
    }
    if (inLog > 0) {
      outcomes.leftInLog(inLog, "not sent in time (" + why + ")");
    }
    if (count > 0 && keepForLater(batch, count, why)) {
      toSpill.forEach(item -> item.settled().run());
    }
  }

  private boolean heldByLog(Runnable settled) {
    return spanLog.isPresent() && settled != UNTRACKED;
  }

  /**
   * A batch that could not be sent in time: to disk (returns true), or counted as failed if there
   * is no room.
   */
  private boolean keepForLater(List<T> batch, int count, String why) {
    // Shutdown may have interrupted this thread (gRPC restores the flag after a cancelled call);
    // file channels refuse to write on an interrupted thread, so clear it while spilling.
    boolean interrupted = Thread.interrupted();
    boolean spilledNow;
    try {
      spilledNow = spillBatch(batch, count);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    if (!spilledNow) {
      outcomes.lost(count, "not sent in time (" + why + ")");
    }
    return spilledNow;
  }

  private boolean spillBatch(List<T> batch, int count) {
    if (spill.isEmpty() || !spill.get().offer(batch, count)) {
      return false;
    }
    outcomes.spilled(count);
    return true;
  }
}
