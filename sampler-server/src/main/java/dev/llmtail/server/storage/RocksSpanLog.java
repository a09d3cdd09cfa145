package dev.llmtail.server.storage;

import static dev.llmtail.server.storage.SpanLogKeys.AFTER_LAST_KEY;
import static dev.llmtail.server.storage.SpanLogKeys.DROPPED;
import static dev.llmtail.server.storage.SpanLogKeys.EXPORTED;
import static dev.llmtail.server.storage.SpanLogKeys.FIRST_KEY;
import static dev.llmtail.server.storage.SpanLogKeys.KEPT;
import static dev.llmtail.server.storage.SpanLogKeys.LOGS;
import static dev.llmtail.server.storage.SpanLogKeys.SPANS;
import static dev.llmtail.server.storage.SpanLogKeys.bytes;
import static dev.llmtail.server.storage.SpanLogKeys.decidedAt;
import static dev.llmtail.server.storage.SpanLogKeys.decisionValue;
import static dev.llmtail.server.storage.SpanLogKeys.expiryKey;
import static dev.llmtail.server.storage.SpanLogKeys.id;
import static dev.llmtail.server.storage.SpanLogKeys.key;
import static dev.llmtail.server.storage.SpanLogKeys.next;
import static dev.llmtail.server.storage.SpanLogKeys.traceId;
import static dev.llmtail.server.storage.SpanLogKeys.value;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.server.config.StorageConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The span log in RocksDB: an LSM store with a write-ahead log, as Elastic's tail-based sampling
 * keeps its traces in Pebble.
 *
 * <p>Layout. Column family {@code spans}: key = trace id (16 bytes) + sequence (8 bytes, big
 * endian: arrival order within a trace), value = kind (span or log fragment), acceptance time
 * (epoch millis), CRC32C of the payload, payload (an encoded OTLP {@code ResourceSpans} or {@code
 * ResourceLogs}). A 16-byte prefix extractor with a bloom filter makes "every fragment of this
 * trace" one prefix seek. Column family {@code decisions}: trace id → state (kept and not yet
 * exported, exported, dropped), decision time, adjusted count, reason. Column family {@code
 * expiry}: decision time + trace id, so that retention walks the oldest decisions first. The
 * default column family holds the format version.
 *
 * <p>Durability. Each request is one {@link WriteBatch}; RocksDB joins the batches of concurrent
 * writers into one WAL write (and one fsync with {@code sync: always}): that is the group commit.
 * With {@code sync: os} the WAL write reaches the kernel before the answer, which a killed process
 * cannot lose. WAL records and SST blocks carry checksums; a torn WAL tail is cut at the last whole
 * record (point-in-time recovery). Each value carries its own CRC32C as well, so a damaged record
 * read back is skipped and counted, never fatal.
 *
 * <p>Concurrency. RocksDB is thread-safe; {@link #append} runs on receiver threads, {@link
 * #decided} and {@link #exported} on decider and exporter threads, {@link #sweep} and the periodic
 * fsync on this log's own thread.
 */
final class RocksSpanLog implements SpanLog {

  private static final System.Logger LOG = System.getLogger(RocksSpanLog.class.getName());

  /** Bumped whenever the layout above changes; a directory of another format is refused. */
  static final String FORMAT = "llmtail-span-log/1";

  private static final byte[] FORMAT_KEY = "format".getBytes(StandardCharsets.UTF_8);

  static {
    RocksDB.loadLibrary();
  }

  private final Path directory;
  private final StorageConfig config;
  private final Clock clock;
  private final RocksDB db;
  private final List<ColumnFamilyHandle> handles;
  private final ColumnFamilyHandle spans;
  private final ColumnFamilyHandle decisions;
  private final ColumnFamilyHandle expiry;
  private final WriteOptions writeOptions;
  private final DBOptions dbOptions;
  private final org.rocksdb.SstFileManager sstFiles;
  private final WalTail walTail;
  private final List<ColumnFamilyOptions> cfOptions;
  private final AtomicLong sequence;
  private final ScheduledExecutorService background;
  private final AtomicLong sizeBytes = new AtomicLong();
  private volatile @Nullable String writeFailure;

  /** Between a failed write and the next one that succeeds: logged once each way. */
  private volatile boolean failing;

  private volatile boolean overMaxSize;
  private final Counter corrupt;
  private final Counter refusedWrites;
  private final Counter sweptTraces;
  private final Counter recoveredSpans;

  private RocksSpanLog(Path directory, StorageConfig config, Clock clock, MeterRegistry meters) {
    this.directory = directory;
    try {
      this.sstFiles = new org.rocksdb.SstFileManager(org.rocksdb.Env.getDefault());
    } catch (RocksDBException e) {
      throw new SpanLogException("span log: RocksDB's file manager failed: " + e.getMessage(), e);
    }
    this.config = config;
    this.clock = clock;
    this.walTail = WalTail.before(directory);
    this.dbOptions =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery)
            .setMaxTotalWalSize(256L << 20)
            .setKeepLogFileNum(3)
            .setMaxLogFileSize(4L << 20)
            .setMaxBackgroundJobs(2)
            // Watches free space, so that RocksDB resumes writing by itself after a full disk.
            .setSstFileManager(sstFiles)
            // Sees what recovery replays, to count the torn or damaged tail it skips silently.
            .setWalFilter(walTail);
    ColumnFamilyOptions spanOptions =
        new ColumnFamilyOptions()
            .useFixedLengthPrefixExtractor(16)
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setWriteBufferSize(64L << 20)
            .setTableFormatConfig(
                new BlockBasedTableConfig()
                    .setFilterPolicy(new BloomFilter(10))
                    .setWholeKeyFiltering(false));
    ColumnFamilyOptions plain = new ColumnFamilyOptions();
    this.cfOptions = List.of(spanOptions, plain);
    List<ColumnFamilyDescriptor> descriptors =
        List.of(
            new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, plain),
            new ColumnFamilyDescriptor(bytes("spans"), spanOptions),
            new ColumnFamilyDescriptor(bytes("decisions"), plain),
            new ColumnFamilyDescriptor(bytes("expiry"), plain));
    this.handles = new ArrayList<>();
    try {
      this.db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
    } catch (RocksDBException e) {
      closeOptions();
      throw openFailure(directory, e);
    }
    this.spans = handles.get(1);
    this.decisions = handles.get(2);
    this.expiry = handles.get(3);
    this.writeOptions = new WriteOptions().setSync(config.syncAlways());
    // Strictly increasing across restarts as long as the clock does not step back: no process
    // appends a million fragments per millisecond of its life.
    this.sequence = new AtomicLong(clock.millis() * 1_000_000L);
    this.corrupt =
        Counter.builder("llmtail.storage.records.corrupt")
            .description("Span log records skipped on recovery because their checksum failed")
            .register(meters);
    long skippedWal = walTail.skippedBytes();
    Counter.builder("llmtail.storage.wal.skipped")
        .description(
            "Write-ahead log bytes skipped at start: a torn or damaged tail (never acknowledged"
                + " with sync: always) and what followed it")
        .baseUnit("bytes")
        .register(meters)
        .increment(skippedWal);
    if (skippedWal > 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          "span log {0}: the write-ahead log ended in a torn or damaged record; skipped {1} bytes"
              + " after the last whole request (counted in llmtail.storage.wal.skipped)",
          directory,
          skippedWal);
    }
    this.refusedWrites =
        Counter.builder("llmtail.storage.writes.refused")
            .description("Requests refused because the span log could not take them")
            .register(meters);
    this.recoveredSpans =
        Counter.builder("llmtail.storage.spans.recovered")
            .description(
                "Spans read back from the span log at start: restored to the buffer or exported")
            .register(meters);
    this.sweptTraces =
        Counter.builder("llmtail.storage.traces.deleted")
            .description("Decided traces deleted from the span log (retention or max_size)")
            .register(meters);
    Gauge.builder("llmtail.storage.bytes", sizeBytes, AtomicLong::get)
        .description("Bytes of span data in the span log (SST files and memtables, approximate)")
        .baseUnit("bytes")
        .register(meters);
    Gauge.builder("llmtail.storage.full", this, log -> log.refusal() == null ? 0 : 1)
        .description("1 while the span log refuses new data (disk full or storage.max_size)")
        .register(meters);
    this.background =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "llmtail-span-log");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Opens (creating if needed) the span log in {@code config.directory()}; throws {@link
   * SpanLogException} with the fix when it cannot.
   */
  static RocksSpanLog open(StorageConfig config, Clock clock, MeterRegistry meters) {
    Path dir = Path.of(config.directory()).toAbsolutePath();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new SpanLogException(
          "storage.directory "
              + dir
              + " cannot be created ("
              + e
              + "); point storage.directory at a writable directory (in the image: a volume at"
              + " /var/lib/llmtail/data)",
          e);
    }
    if (!Files.exists(dir.resolve("CURRENT")) && !isEmpty(dir)) {
      throw new SpanLogException(
          "storage.directory "
              + dir
              + " holds files but no llmtail span log; point storage.directory at an empty"
              + " directory or one llmtail created",
          null);
    }
    RocksSpanLog log = new RocksSpanLog(dir, config, clock, meters);
    try {
      log.checkFormat();
    } catch (RuntimeException e) {
      log.close();
      throw e;
    }
    log.refreshSize();
    log.startBackground();
    return log;
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      throw new SpanLogException("storage.directory " + dir + " cannot be read: " + e, e);
    }
  }

  private static SpanLogException openFailure(Path dir, RocksDBException e) {
    String message = String.valueOf(e.getMessage());
    if (message.toLowerCase(java.util.Locale.ROOT).contains("lock")) {
      return new SpanLogException(
          "storage.directory "
              + dir
              + " is in use by another llmtail process (its LOCK file is held: "
              + message
              + "); stop that process or give each llmtail its own storage.directory",
          e);
    }
    return new SpanLogException(
        "storage.directory "
            + dir
            + " could not be opened as a span log ("
            + message
            + "); if an incompatible llmtail version wrote it, move it away or empty it",
        e);
  }

  private void checkFormat() {
    try {
      byte[] found = db.get(FORMAT_KEY);
      if (found == null) {
        boolean hasData;
        try (RocksIterator it = db.newIterator(spans)) {
          it.seekToFirst();
          hasData = it.isValid();
        }
        if (hasData) {
          throw incompatible("no format marker");
        }
        db.put(writeOptions, FORMAT_KEY, bytes(FORMAT));
      } else if (!Arrays.equals(found, bytes(FORMAT))) {
        throw incompatible("format '" + new String(found, StandardCharsets.UTF_8) + "'");
      }
    } catch (RocksDBException e) {
      throw new SpanLogException(
          "storage.directory " + directory + " could not be read: " + e.getMessage(), e);
    }
  }

  private SpanLogException incompatible(String what) {
    return new SpanLogException(
        "storage.directory "
            + directory
            + " was written by an incompatible llmtail version ("
            + what
            + ", this version reads '"
            + FORMAT
            + "'); drain it with the version that wrote it, or move it away to start empty",
        null);
  }

  private void startBackground() {
    long syncMillis = config.syncInterval().toMillis();
    if (syncMillis > 0) {
      background.scheduleWithFixedDelay(
          this::syncWal, syncMillis, syncMillis, TimeUnit.MILLISECONDS);
    }
    background.scheduleWithFixedDelay(this::sweepSafely, 1, 1, TimeUnit.SECONDS);
  }

  private void syncWal() {
    try {
      db.flushWal(true);
    } catch (RocksDBException e) {
      LOG.log(System.Logger.Level.WARNING, "fsync of the span log failed: " + e.getMessage());
    }
  }

  private void sweepSafely() {
    try {
      sweep();
    } catch (RuntimeException e) {
      // Keep the schedule alive: a scheduled task that throws is never run again.
      LOG.log(System.Logger.Level.ERROR, "sweeping the span log failed", e);
    }
  }

  @Override
  public void append(List<TraceFragment> spanFragments, List<LogFragment> logFragments) {
    String refused = refusal();
    if (refused != null) {
      refusedWrites.increment();
      throw new SpanLogFullException(refused, null);
    }
    long now = clock.millis();
    try (WriteBatch batch = new WriteBatch()) {
      for (TraceFragment f : spanFragments) {
        batch.put(
            spans,
            key(f.traceId(), sequence.incrementAndGet()),
            value(SPANS, now, f.spans().toByteArray()));
      }
      for (LogFragment f : logFragments) {
        batch.put(
            spans,
            key(f.traceId(), sequence.incrementAndGet()),
            value(LOGS, now, f.logs().toByteArray()));
      }
      db.write(writeOptions, batch);
      if (failing) {
        failing = false;
        LOG.log(System.Logger.Level.INFO, "the span log takes writes again");
      }
    } catch (RocksDBException e) {
      refusedWrites.increment();
      String why = describe(e);
      if (!failing) {
        failing = true;
        LOG.log(System.Logger.Level.ERROR, why);
      }
      writeFailure = why;
      throw new SpanLogFullException(why, e);
    }
  }

  private String describe(RocksDBException e) {
    Status status = e.getStatus();
    boolean noSpace =
        (status != null && status.getSubCode() == Status.SubCode.NoSpace)
            || String.valueOf(e.getMessage()).contains("No space left");
    return noSpace
        ? "the span log's disk is full (storage.directory "
            + directory
            + "); requests are refused until space is freed"
        : "the span log could not write (storage.directory " + directory + "): " + e.getMessage();
  }

  @Override
  public void decided(TraceId traceId, RememberedDecision decision) {
    long now = clock.millis();
    byte[] id = id(traceId);
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(decisions, id, decisionValue(decision.kept() ? KEPT : DROPPED, now, decision));
      batch.put(expiry, expiryKey(now, id), new byte[0]);
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      // The trace is decided either way; after a restart it would be decided again.
      LOG.log(
          System.Logger.Level.WARNING,
          "span log: decision of " + traceId + " not recorded: " + e.getMessage());
    }
  }

  @Override
  public void exported(TraceId traceId) {
    byte[] id = id(traceId);
    try (WriteBatch batch = new WriteBatch()) {
      byte[] current = db.get(decisions, id);
      if (current == null || current[0] != KEPT) {
        return;
      }
      current[0] = EXPORTED;
      batch.put(decisions, id, current);
      // Kept spans are at their destination: only a dropped trace's spans are retained.
      batch.deleteRange(spans, id, next(id));
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "span log: export of " + traceId + " not recorded: " + e.getMessage());
    }
  }

  @Override
  public RecoveryReport recover(Consumer<RecoveredTrace> recovered) {
    return SpanLogRecovery.recover(
        db, spans, decisions, directory, recoveredSpans, corrupt, recovered);
  }

  @Override
  public Optional<Instant> heldUntil(TraceId traceId) {
    byte[] id = id(traceId);
    try {
      byte[] d = db.get(decisions, id);
      if (d == null || d[0] != DROPPED) {
        return Optional.empty();
      }
      try (ReadOptions read = new ReadOptions().setPrefixSameAsStart(true);
          RocksIterator it = db.newIterator(spans, read)) {
        it.seek(id);
        if (!it.isValid() || !Arrays.equals(it.key(), 0, 16, id, 0, 16)) {
          return Optional.empty();
        }
      }
      return Optional.of(Instant.ofEpochMilli(decidedAt(d)).plus(config.retention()));
    } catch (RocksDBException e) {
      LOG.log(
          System.Logger.Level.WARNING, "span log: cannot read " + traceId + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  @Override
  public Optional<TraceView> retained(TraceId traceId) {
    if (heldUntil(traceId).isEmpty()) {
      return Optional.empty();
    }
    byte[] id = id(traceId);
    List<RecoveredTrace.Timed<TraceFragment>> spanList = new ArrayList<>();
    List<RecoveredTrace.Timed<LogFragment>> logList = new ArrayList<>();
    try (ReadOptions read = new ReadOptions().setPrefixSameAsStart(true);
        RocksIterator it = db.newIterator(spans, read)) {
      for (it.seek(id); it.isValid() && Arrays.equals(it.key(), 0, 16, id, 0, 16); it.next()) {
        SpanLogRecovery.readFragment(traceId, it.value(), spanList, logList);
      }
    }
    if (spanList.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        TraceView.of(
            traceId,
            spanList.stream().map(t -> t.fragment().spans()).toList(),
            logList.stream().map(t -> t.fragment().logs()).toList()));
  }

  @Override
  public void sweep() {
    if (writeFailure != null) {
      // After a failed write (e.g. a full disk) RocksDB recovers by itself once its SST file
      // manager sees free space; once per sweep, let the next request try again.
      writeFailure = null;
    }
    long now = clock.millis();
    long expiredBefore = now - config.retention().toMillis();
    refreshSize();
    boolean tooBig = sizeBytes.get() > config.maxSize().bytes();
    long toFree = tooBig ? sizeBytes.get() - config.maxSize().bytes() * 9 / 10 : 0;
    long freed = 0;
    int deleted = 0;
    try (RocksIterator it = db.newIterator(expiry)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        long decidedAt = ByteBuffer.wrap(key, 0, 8).getLong();
        boolean expired = decidedAt <= expiredBefore;
        if (!expired && freed >= toFree) {
          break;
        }
        byte[] id = Arrays.copyOfRange(key, 8, 24);
        byte[] d = db.get(decisions, id);
        if (d != null && d[0] == KEPT) {
          continue; // kept and not exported yet: never deleted for age or size
        }
        try (WriteBatch batch = new WriteBatch()) {
          if (d != null && decidedAt(d) == decidedAt) {
            if (!expired) {
              freed += approximateSize(id);
            }
            batch.deleteRange(spans, id, next(id));
            batch.delete(decisions, id);
            deleted++;
          }
          batch.delete(expiry, key);
          db.write(writeOptions, batch);
        }
      }
    } catch (RocksDBException e) {
      LOG.log(System.Logger.Level.WARNING, "span log: sweep failed: " + e.getMessage());
    }
    sweptTraces.increment(deleted);
    if (tooBig && freed > 0) {
      try {
        db.compactRange(spans);
      } catch (RocksDBException e) {
        LOG.log(System.Logger.Level.WARNING, "span log: compaction failed: " + e.getMessage());
      }
      refreshSize();
    }
    boolean over = sizeBytes.get() > config.maxSize().bytes();
    if (over != overMaxSize) {
      LOG.log(
          over ? System.Logger.Level.ERROR : System.Logger.Level.INFO,
          over
              ? "the span log holds storage.max_size ({0}) of undecided or unexported traces:"
                  + " requests are refused (429 / RESOURCE_EXHAUSTED) until it drains"
              : "the span log is below storage.max_size ({0}) again: requests are accepted",
          config.maxSize());
    }
    overMaxSize = over;
  }

  private long approximateSize(byte[] id) {
    return approximateSize(id, next(id));
  }

  /**
   * Bytes of span data between two keys, in SST files and memtables. Not the memtables' allocated
   * arena (which grows in write_buffer_size / 8 blocks), so that a small max_size means what it
   * says.
   */
  private long approximateSize(byte[] fromKey, byte[] toKey) {
    try (org.rocksdb.Slice from = new org.rocksdb.Slice(fromKey);
        org.rocksdb.Slice to = new org.rocksdb.Slice(toKey)) {
      long[] sizes =
          db.getApproximateSizes(
              spans,
              List.of(new org.rocksdb.Range(from, to)),
              org.rocksdb.SizeApproximationFlag.INCLUDE_FILES,
              org.rocksdb.SizeApproximationFlag.INCLUDE_MEMTABLES);
      return Math.max(1, sizes[0]);
    }
  }

  private void refreshSize() {
    sizeBytes.set(approximateSize(FIRST_KEY, AFTER_LAST_KEY));
  }

  @Override
  public @Nullable String refusal() {
    String failure = writeFailure;
    if (failure != null) {
      return failure;
    }
    if (overMaxSize) {
      return "the span log holds storage.max_size ("
          + config.maxSize()
          + ") of undecided or unexported traces; retry later";
    }
    return null;
  }

  /** Bytes the log holds now (SST files and memtables of the span column family). */
  long sizeBytes() {
    refreshSize();
    return sizeBytes.get();
  }

  /** Writes the memtables to SST files: for tests and the benchmark's disk-bytes measurement. */
  void flush() {
    try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
      db.flush(options, spans);
    } catch (RocksDBException e) {
      throw new SpanLogException("span log flush failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    background.shutdownNow();
    try {
      background.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      db.flushWal(true);
    } catch (RocksDBException e) {
      LOG.log(System.Logger.Level.WARNING, "span log: final fsync failed: " + e.getMessage());
    }
    handles.forEach(ColumnFamilyHandle::close);
    db.close();
    writeOptions.close();
    closeOptions();
  }

  private void closeOptions() {
    dbOptions.close();
    sstFiles.close();
    walTail.close();
    cfOptions.forEach(ColumnFamilyOptions::close);
  }
}
