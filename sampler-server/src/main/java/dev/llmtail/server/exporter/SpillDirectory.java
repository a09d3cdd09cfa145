package dev.llmtail.server.exporter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A local directory of kept batches the backend could not take yet, bounded in bytes, that survives
 * a restart.
 *
 * <p>Each batch is one file, the encoded OTLP export request of its {@link Signal} named {@code
 * <sequence>-<items>.otlp} (spans) or {@code <sequence>-<items>.logs.otlp} (log records, in the
 * same directory), written to a temporary name and renamed so that a crash never leaves a
 * half-written batch under a real name. Files are handed out oldest first and deleted only once the
 * batch was sent (or refused for good), so a batch in flight when the process dies is sent again
 * after the restart: delivery is at least once. A file that cannot be read back is renamed {@code
 * .corrupt}, counted, and left for an operator. The byte bound is a {@link SpillBudget} that the
 * spans' and the log records' directories share. Thread-safe: all state under {@code lock}.
 */
final class SpillDirectory<T> {

  private static final System.Logger LOG = System.getLogger(SpillDirectory.class.getName());

  /** One spilled batch, read back. */
  record Batch<T>(Path file, List<T> items, int count, long bytes) {}

  private final Object lock = new Object();
  private final Path directory;
  private final Signal<T> signal;
  private final SpillBudget budget;
  private final Pattern fileName;

  /** Files on disk by sequence; guarded by lock. */
  private final TreeMap<Long, Path> files = new TreeMap<>();

  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong items = new AtomicLong();
  private long nextSequence; // guarded by lock
  private final Counter corrupt;

  SpillDirectory(Path directory, Signal<T> signal, SpillBudget budget, MeterRegistry meters) {
    this.directory = directory;
    this.signal = signal;
    this.budget = budget;
    this.fileName = Pattern.compile("(\\d{19})-(\\d+)" + Pattern.quote(signal.fileSuffix()));
    long recoveredItems = 0;
    try {
      Files.createDirectories(directory);
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
        for (Path file : entries) {
          String name = file.getFileName().toString();
          Matcher m = fileName.matcher(name);
          if (m.matches()) {
            long seq = Long.parseLong(m.group(1));
            files.put(seq, file);
            bytes.addAndGet(Files.size(file));
            long n = Long.parseLong(m.group(2));
            items.addAndGet(n);
            recoveredItems += n;
            nextSequence = Math.max(nextSequence, seq + 1);
          } else if (name.endsWith(".tmp")) {
            Files.deleteIfExists(file); // a write interrupted by a crash; never acknowledged
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot use "
              + directory
              + " to spill kept traces (set exporter.otlp.spill.directory to"
              + " a writable directory, or leave it empty to disable spilling)",
          e);
    }
    budget.recovered(bytes.get());
    Gauge.builder(signal.countMeter("spill"), items, AtomicLong::get)
        .description("Kept " + signal + " held in the spill directory")
        .register(meters);
    Gauge.builder(signal.meter("spill", "bytes"), bytes, AtomicLong::get)
        .description("Bytes of kept " + signal + " held in the spill directory")
        .baseUnit("bytes")
        .register(meters);
    Counter.builder(signal.meter("spill", "recovered"))
        .description(
            "Kept " + signal + " found in the spill directory at start, from a previous run")
        .register(meters)
        .increment(recoveredItems);
    corrupt =
        Counter.builder(signal.meter("spill", "corrupt"))
            .description(
                "Kept "
                    + signal
                    + " in spilled batches that could not be read back (renamed .corrupt)")
            .register(meters);
    if (recoveredItems > 0) {
      LOG.log(
          System.Logger.Level.INFO,
          "found {0} kept {1} in {2} batches in {3}; they will be sent",
          recoveredItems,
          signal,
          files.size(),
          directory);
    }
  }

  Path directory() {
    return directory;
  }

  /** Writes a batch if it fits under the size bound; false if it does not or cannot be written. */
  boolean offer(List<T> batch, int count) {
    byte[] encoded = signal.encode(batch);
    synchronized (lock) {
      if (!budget.tryReserve(encoded.length)) {
        return false;
      }
      long seq = nextSequence++;
      Path file =
          directory.resolve(
              String.format(java.util.Locale.ROOT, "%019d-%d", seq, count) + signal.fileSuffix());
      Path tmp = directory.resolve(file.getFileName() + ".tmp");
      try {
        Files.write(tmp, encoded);
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file);
        }
      } catch (IOException e) {
        budget.release(encoded.length);
        LOG.log(System.Logger.Level.ERROR, "cannot spill kept " + signal + " to " + directory, e);
        return false;
      }
      files.put(seq, file);
      bytes.addAndGet(encoded.length);
      items.addAndGet(count);
      return true;
    }
  }

  /** The oldest batch still on disk (it stays there until {@link #remove}), if any. */
  Optional<Batch<T>> peek() {
    return peekUpTo(1).stream().findFirst();
  }

  /**
   * The oldest batches still on disk, together at least one and up to about {@code maxItems} items,
   * so that many small spilled batches go back in few requests. They stay on disk until {@link
   * #remove}d.
   */
  List<Batch<T>> peekUpTo(int maxItems) {
    List<Batch<T>> batches = new ArrayList<>();
    int taken = 0;
    while (batches.isEmpty()) {
      List<Path> candidates;
      synchronized (lock) {
        if (files.isEmpty()) {
          return batches;
        }
        // Each file holds at least one item; corrupt ones leave the map, so this loop ends.
        candidates = new ArrayList<>(files.values().stream().limit(Math.max(1, maxItems)).toList());
      }
      for (Path file : candidates) {
        Batch<T> batch = read(file);
        if (batch == null) {
          continue;
        }
        if (!batches.isEmpty() && taken + batch.count() > maxItems) {
          break;
        }
        batches.add(batch);
        taken += batch.count();
      }
    }
    return batches;
  }

  /** Reads one spilled batch, or sets it aside and returns null if it cannot be read. */
  private @Nullable Batch<T> read(Path file) {
    Matcher m = fileName.matcher(file.getFileName().toString());
    int count = m.matches() ? Integer.parseInt(m.group(2)) : 0;
    try {
      byte[] encoded = Files.readAllBytes(file);
      return new Batch<>(file, signal.decode(encoded), count, encoded.length);
    } catch (IOException e) { // includes InvalidProtocolBufferException
      quarantine(file, count, e);
      return null;
    }
  }

  /** Deletes a batch that was sent or refused for good. */
  void remove(Batch<T> batch) {
    synchronized (lock) {
      if (!files.values().remove(batch.file())) {
        return;
      }
      try {
        Files.deleteIfExists(batch.file());
      } catch (IOException e) {
        LOG.log(System.Logger.Level.ERROR, "cannot delete sent batch " + batch.file(), e);
      }
      bytes.addAndGet(-batch.bytes());
      budget.release(batch.bytes());
      items.addAndGet(-batch.count());
    }
  }

  /** Items held on disk. */
  long count() {
    return items.get();
  }

  boolean isEmpty() {
    synchronized (lock) {
      return files.isEmpty();
    }
  }

  /** Whether a batch of about {@code size} bytes would still fit. */
  boolean hasRoomFor(long size) {
    return budget.hasRoomFor(size);
  }

  private void quarantine(Path file, int count, Exception e) {
    corrupt.increment(count);
    LOG.log(
        System.Logger.Level.ERROR,
        "spilled batch " + file + " cannot be read; renamed .corrupt",
        e);
    synchronized (lock) {
      files.values().remove(file);
      items.addAndGet(-count);
      try {
        long size = Files.size(file);
        bytes.addAndGet(-size);
        budget.release(size);
        Files.move(file, file.resolveSibling(file.getFileName() + ".corrupt"));
      } catch (IOException moveFailed) {
        LOG.log(System.Logger.Level.ERROR, "cannot rename " + file, moveFailed);
      }
    }
  }
}
