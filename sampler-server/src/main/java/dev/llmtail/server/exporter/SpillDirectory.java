package dev.llmtail.server.exporter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local directory of kept batches the backend could not take yet, bounded in bytes, that survives
 * a restart.
 *
 * <p>Each batch is one file, an encoded {@code ExportTraceServiceRequest} named {@code
 * <sequence>-<spans>.otlp}, written to a temporary name and renamed so that a crash never leaves a
 * half-written batch under a real name. Files are handed out oldest first and deleted only once the
 * batch was sent (or refused for good), so a batch in flight when the process dies is sent again
 * after the restart: delivery is at least once. A file that cannot be read back is renamed {@code
 * .corrupt}, counted, and left for an operator. Thread-safe: all state under {@code lock}.
 */
final class SpillDirectory {

  private static final System.Logger LOG = System.getLogger(SpillDirectory.class.getName());
  private static final Pattern NAME = Pattern.compile("(\\d{19})-(\\d+)\\.otlp");

  /** One spilled batch, read back. */
  record Batch(Path file, List<ResourceSpans> spans, int spanCount, long bytes) {}

  private final Object lock = new Object();
  private final Path directory;
  private final long maxBytes;

  /** Files on disk by sequence; guarded by lock. */
  private final TreeMap<Long, Path> files = new TreeMap<>();

  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong spans = new AtomicLong();
  private long nextSequence; // guarded by lock
  private final Counter written;
  private final Counter corrupt;

  SpillDirectory(Path directory, long maxBytes, MeterRegistry meters) {
    this.directory = directory;
    this.maxBytes = maxBytes;
    long recoveredSpans = 0;
    try {
      Files.createDirectories(directory);
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
        for (Path file : entries) {
          String name = file.getFileName().toString();
          Matcher m = NAME.matcher(name);
          if (m.matches()) {
            long seq = Long.parseLong(m.group(1));
            files.put(seq, file);
            bytes.addAndGet(Files.size(file));
            long n = Long.parseLong(m.group(2));
            spans.addAndGet(n);
            recoveredSpans += n;
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
    Gauge.builder("llmtail.exporter.spill.spans", spans, AtomicLong::get)
        .description("Kept spans held in the spill directory")
        .register(meters);
    Gauge.builder("llmtail.exporter.spill.bytes", bytes, AtomicLong::get)
        .description("Bytes held in the spill directory")
        .baseUnit("bytes")
        .register(meters);
    Counter.builder("llmtail.exporter.spill.recovered")
        .description("Kept spans found in the spill directory at start, from a previous run")
        .register(meters)
        .increment(recoveredSpans);
    written =
        Counter.builder("llmtail.exporter.spill.written")
            .description("Kept spans written to the spill directory")
            .register(meters);
    corrupt =
        Counter.builder("llmtail.exporter.spill.corrupt")
            .description(
                "Kept spans in spilled batches that could not be read back (renamed .corrupt)")
            .register(meters);
    if (recoveredSpans > 0) {
      LOG.log(
          System.Logger.Level.INFO,
          "found {0} kept spans in {1} batches in {2}; they will be sent",
          recoveredSpans,
          files.size(),
          directory);
    }
  }

  /** Writes a batch if it fits under the size bound; false if it does not or cannot be written. */
  boolean offer(List<ResourceSpans> batch, int spanCount) {
    byte[] encoded =
        ExportTraceServiceRequest.newBuilder().addAllResourceSpans(batch).build().toByteArray();
    synchronized (lock) {
      if (bytes.get() + encoded.length > maxBytes) {
        return false;
      }
      long seq = nextSequence++;
      Path file =
          directory.resolve(String.format(java.util.Locale.ROOT, "%019d-%d.otlp", seq, spanCount));
      Path tmp = directory.resolve(file.getFileName() + ".tmp");
      try {
        Files.write(tmp, encoded);
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file);
        }
      } catch (IOException e) {
        LOG.log(System.Logger.Level.ERROR, "cannot spill kept spans to " + directory, e);
        return false;
      }
      files.put(seq, file);
      bytes.addAndGet(encoded.length);
      spans.addAndGet(spanCount);
      written.increment(spanCount);
      return true;
    }
  }

  /** The oldest batch still on disk (it stays there until {@link #remove}), or null if none. */
  Batch peek() {
    List<Batch> oldest = peekUpTo(1);
    return oldest.isEmpty() ? null : oldest.get(0);
  }

  /**
   * The oldest batches still on disk, together at least one and up to about {@code maxSpans} spans,
   * so that many small spilled batches go back in few requests. They stay on disk until {@link
   * #remove}d.
   */
  List<Batch> peekUpTo(int maxSpans) {
    List<Batch> batches = new ArrayList<>();
    int spans = 0;
    while (batches.isEmpty()) {
      List<Path> candidates;
      synchronized (lock) {
        if (files.isEmpty()) {
          return batches;
        }
        // Each file holds at least one span; corrupt ones leave the map, so this loop ends.
        candidates = new ArrayList<>(files.values().stream().limit(Math.max(1, maxSpans)).toList());
      }
      for (Path file : candidates) {
        Batch batch = read(file);
        if (batch == null) {
          continue;
        }
        if (!batches.isEmpty() && spans + batch.spanCount() > maxSpans) {
          break;
        }
        batches.add(batch);
        spans += batch.spanCount();
      }
    }
    return batches;
  }

  /** Reads one spilled batch, or sets it aside and returns null if it cannot be read. */
  private Batch read(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    int spanCount = m.matches() ? Integer.parseInt(m.group(2)) : 0;
    try {
      byte[] encoded = Files.readAllBytes(file);
      return new Batch(
          file,
          ExportTraceServiceRequest.parseFrom(encoded).getResourceSpansList(),
          spanCount,
          encoded.length);
    } catch (IOException e) { // includes InvalidProtocolBufferException
      quarantine(file, spanCount, e);
      return null;
    }
  }

  /** Deletes a batch that was sent or refused for good. */
  void remove(Batch batch) {
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
      spans.addAndGet(-batch.spanCount());
    }
  }

  boolean isEmpty() {
    synchronized (lock) {
      return files.isEmpty();
    }
  }

  /** Whether a batch of about {@code size} bytes would still fit. */
  boolean hasRoomFor(long size) {
    return bytes.get() + size <= maxBytes;
  }

  private void quarantine(Path file, int spanCount, Exception e) {
    corrupt.increment(spanCount);
    LOG.log(
        System.Logger.Level.ERROR,
        "spilled batch " + file + " cannot be read; renamed .corrupt",
        e);
    synchronized (lock) {
      files.values().remove(file);
      spans.addAndGet(-spanCount);
      try {
        bytes.addAndGet(-Files.size(file));
        Files.move(file, file.resolveSibling(file.getFileName() + ".corrupt"));
      } catch (IOException moveFailed) {
        LOG.log(System.Logger.Level.ERROR, "cannot rename " + file, moveFailed);
      }
    }
  }
}
