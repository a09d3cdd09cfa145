package dev.llmtail.server.storage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rocksdb.AbstractWalFilter;
import org.rocksdb.WriteBatch;

/**
 * Measures how much of the write-ahead log RocksDB's point-in-time recovery skipped: the bytes of
 * each WAL file after the last whole record it replayed (a torn or damaged tail).
 *
 * <p>RocksDB stops replaying at a torn or damaged record without saying so (a record cut by a crash
 * is treated as the end of the log, by design). This filter sees every record it replays; it lays
 * them out as RocksDB's log writer does (32 KiB blocks, a 7-byte header per fragment, a block tail
 * too short for a header padded) to know where the last whole record ends, and compares that with
 * the file's size taken before the open. A WAL file at or after the oldest one recovery reads that
 * yielded no record at all counts whole. Used only during {@code RocksDB.open}, on RocksDB's
 * recovery thread; {@link #skippedBytes} is read after the open returns.
 */
final class WalTail extends AbstractWalFilter {

  private static final int BLOCK = WalRecords.BLOCK;
  private static final int HEADER = WalRecords.HEADER;
  private static final Pattern WAL = Pattern.compile("(\\d+)\\.log");

  /** Log number → end offset of the last whole record replayed from it. */
  private final Map<Long, Long> replayedEnd = new HashMap<>();

  /** Log number → size before the open. */
  private final Map<Long, Long> sizeBefore;

  /** Log number → where its records start ({@link WalRecords}), read before the open. */
  private final Map<Long, long[]> recordStarts;

  private long oldestRecovered = Long.MAX_VALUE;

  private WalTail(Map<Long, Long> sizeBefore, Map<Long, long[]> recordStarts) {
    this.sizeBefore = sizeBefore;
    this.recordStarts = recordStarts;
  }

  /** Notes the WAL files of {@code directory} and their sizes; call before opening the store. */
  static WalTail before(Path directory) {
    Map<Long, Long> sizes = new HashMap<>();
    Map<Long, long[]> starts = new HashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.log")) {
      for (Path file : files) {
        Matcher m = WAL.matcher(file.getFileName().toString());
        if (m.matches()) {
          long number = Long.parseLong(m.group(1));
          sizes.put(number, Files.size(file));
          starts.put(number, WalRecords.starts(file));
        }
      }
    } catch (IOException e) {
      throw new SpanLogException(
          "storage.directory " + directory + " cannot be read: " + e.getMessage(), e);
    }
    return new WalTail(sizes, starts);
  }

  @Override
  public void columnFamilyLogNumberMap(
      Map<Integer, Long> cfLognumber, Map<String, Integer> cfNameId) {
    // Recovery skips WAL files older than every column family's log number: they hold nothing.
    oldestRecovered = cfLognumber.values().stream().mapToLong(Long::longValue).min().orElse(0);
  }

  @Override
  public LogRecordFoundResult logRecordFound(
      long logNumber, String logFileName, WriteBatch batch, WriteBatch newBatch) {
    long offset = replayedEnd.getOrDefault(logNumber, 0L);
    replayedEnd.put(logNumber, endAfter(offset, batch.getDataSize()));
    return LogRecordFoundResult.CONTINUE_UNCHANGED;
  }

  @Override
  public String name() {
    return "llmtail-wal-tail";
  }

  /** Where a record of {@code length} bytes ends when the writer is at {@code offset}. */
  static long endAfter(long offset, long length) {
    long left = length;
    do {
      long leftover = BLOCK - offset % BLOCK;
      if (leftover < HEADER) {
        offset += leftover; // the writer pads a block tail too short for a header
      }
      long fragment = Math.min(left, BLOCK - offset % BLOCK - HEADER);
      offset += HEADER + fragment;
      left -= fragment;
    } while (left > 0);
    return offset;
  }

  /** Bytes of WAL files recovery did not replay: torn or damaged tails and what followed them. */
  long skippedBytes() {
    long skipped = 0;
    for (Map.Entry<Long, Long> file : sizeBefore.entrySet()) {
      Long end = replayedEnd.get(file.getKey());
      if (end != null) {
        skipped += Math.max(0, file.getValue() - end);
      } else if (file.getKey() >= oldestRecovered) {
        skipped += file.getValue();
      }
    }
    return skipped;
  }

  /**
   * Records of WAL files recovery did not replay: the torn or damaged one and each whole one after
   * it, none of which reached the store.
   */
  long skippedRecords() {
    long skipped = 0;
    for (Map.Entry<Long, long[]> file : recordStarts.entrySet()) {
      Long end = replayedEnd.get(file.getKey());
      if (end != null) {
        skipped += Arrays.stream(file.getValue()).filter(start -> start >= end).count();
      } else if (file.getKey() >= oldestRecovered) {
        skipped += file.getValue().length;
      }
    }
    return skipped;
  }
}
