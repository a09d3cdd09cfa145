package dev.llmtail.server.storage;

import static dev.llmtail.server.storage.SpanLogKeys.DROPPED;
import static dev.llmtail.server.storage.SpanLogKeys.EXPORTED;
import static dev.llmtail.server.storage.SpanLogKeys.bytes;
import static dev.llmtail.server.storage.SpanLogKeys.decidedAt;
import static dev.llmtail.server.storage.SpanLogKeys.id;
import static dev.llmtail.server.storage.SpanLogKeys.rememberedOf;
import static dev.llmtail.server.storage.SpanLogKeys.state;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.buffer.SpanStore;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.server.config.StorageConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
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
import java.util.function.Consumer;
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
import org.rocksdb.WALRecoveryMode;
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
 * exported, exported: its spans delivered, and anything left is a late span or log record not
 * delivered yet; dropped), decision time, adjusted count, reason. Column family {@code expiry}:
 * decision time + trace id, so that retention walks the oldest decisions first. The default column
 * family holds the format version.
 *
 * <p>Durability. Each request is one {@link org.rocksdb.WriteBatch}; RocksDB joins the batches of
 * concurrent writers into one WAL write (and one fsync with {@code sync: always}): that is the
 * group commit ({@link SpanLogWriter}). With {@code sync: os} the WAL write reaches the kernel
 * before the answer, which a killed process cannot lose. WAL records and SST blocks carry
 * checksums; a torn WAL tail is cut at the last whole record (point-in-time recovery). Each value
 * carries its own CRC32C as well, so a damaged record read back is skipped and counted, never
 * fatal.
 *
 * <p>Concurrency. RocksDB is thread-safe; {@link #append} runs on receiver threads, {@link
 * #decided}, {@link #spansDelivered} and {@link #logsDelivered} on decider and exporter threads,
 * {@link #sweep} ({@link SpanLogRetention}) and the periodic fsync on this log's own thread.
 */
final class RocksSpanLog implements SpanLog {

  private static final System.Logger LOG = System.getLogger(RocksSpanLog.class.getName());

  /** Bumped whenever the layout above changes; a directory of another format is refused. */
  static final String FORMAT = "llmtail-span-log/1";

  static {
    RocksDB.loadLibrary();
  }

  private final Path directory;
  private final StorageConfig config;
  private final RocksDB db;
  private final List<ColumnFamilyHandle> handles;
  private final ColumnFamilyHandle spans;
  private final ColumnFamilyHandle decisions;
  private final WriteOptions writeOptions;
  private final DBOptions dbOptions;
  private final org.rocksdb.SstFileManager sstFiles;
  private final WalTail walTail;
  private final List<ColumnFamilyOptions> cfOptions;
  private final ScheduledExecutorService background;
  private final SpanLogWriter writer;
  private final SpanLogRetention retention;
  private final Counter corrupt;
  private final TraceReads reads;
  private final Counter recoveredSpans;

  private RocksSpanLog(Path directory, StorageConfig config, Clock clock, MeterRegistry meters) {
    this.directory = directory;
    try {
      this.sstFiles = new org.rocksdb.SstFileManager(org.rocksdb.Env.getDefault());
    } catch (RocksDBException e) {
      throw new SpanLogException("span log: RocksDB's file manager failed: " + e.getMessage(), e);
    }
    this.config = config;
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
      throw SpanLogDirectory.openFailure(directory, e);
    }
    this.spans = handles.get(1);
    this.decisions = handles.get(2);
    ColumnFamilyHandle expiry = handles.get(3);
    this.writeOptions = new WriteOptions().setSync(config.syncAlways());
    SpanLogDb store = new SpanLogDb(db, spans, decisions, expiry, writeOptions);
    this.writer = new SpanLogWriter(store, directory, clock, meters);
    this.retention = new SpanLogRetention(store, config, clock, meters);
    this.corrupt = SpanLogMeters.corrupt(meters);
    this.reads = new TraceReads(db, spans, corrupt, meters);
    SpanLogMeters.walSkipped(walTail, directory, meters);
    this.recoveredSpans = SpanLogMeters.recoveredSpans(meters);
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
    Path dir = SpanLogDirectory.prepare(config);
    RocksSpanLog log = new RocksSpanLog(dir, config, clock, meters);
    try {
      SpanLogDirectory.checkFormat(log.db, log.spans, log.writeOptions, dir);
    } catch (RuntimeException e) {
      log.close();
      throw e;
    }
    log.retention.sizeBytes();
    log.startBackground();
    return log;
  }

  private void startBackground() {
    long syncMillis = config.syncInterval().toMillis();
    if (syncMillis > 0) {
      background.scheduleWithFixedDelay(
          writer::syncWal, syncMillis, syncMillis, TimeUnit.MILLISECONDS);
    }
    background.scheduleWithFixedDelay(this::sweepSafely, 1, 1, TimeUnit.SECONDS);
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
  public List<TraceFragment> append(
      List<TraceFragment> spanFragments, List<LogFragment> logFragments) {
    String refused = refusal();
    if (refused != null) {
      throw writer.refuse(refused);
    }
    return writer.append(spanFragments, logFragments);
  }

  @Override
  public void decided(TraceId traceId, RememberedDecision decision) {
    writer.decided(traceId, decision, false);
  }

  @Override
  public void decided(TraceId traceId, RememberedDecision decision, boolean promoted) {
    writer.decided(traceId, decision, promoted);
  }

  @Override
  public Optional<LoggedDecision> loggedDecision(TraceId traceId) {
    try {
      byte[] d = db.get(decisions, id(traceId));
      return d == null
          ? Optional.empty()
          : Optional.of(
              new LoggedDecision(
                  rememberedOf(d), Instant.ofEpochMilli(decidedAt(d)), state(d) == EXPORTED));
    } catch (RocksDBException e) {
      throw new SpanLogException(
          "storage.directory "
              + directory
              + ": the decision of "
              + traceId
              + " could not be read: "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public void exported(TraceId traceId) {
    writer.exported(traceId);
  }

  @Override
  public void spansDelivered(TraceId traceId, List<ResourceSpans> delivered) {
    writer.delivered(traceId, SpanLogKeys.SPANS, delivered);
  }

  @Override
  public void logsDelivered(TraceId traceId, List<ResourceLogs> delivered) {
    writer.delivered(traceId, SpanLogKeys.LOGS, delivered);
  }

  @Override
  public SpanStore spanStore() {
    return new LoggedSpanStore(reads);
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
    List<RecoveredTrace.Timed<TraceFragment>> spanList = new ArrayList<>();
    List<RecoveredTrace.Timed<LogFragment>> logList = new ArrayList<>();
    reads.forEach(
        traceId,
        0,
        Long.MAX_VALUE,
        (seq, value) -> SpanLogRecovery.readFragment(traceId, seq, value, spanList, logList));
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
    // After a failed write (e.g. a full disk) RocksDB recovers by itself once its SST file manager
    // sees free space; once per sweep, let the next request try again.
    writer.forgetFailure();
    retention.sweep();
  }

  @Override
  public @Nullable String refusal() {
    String failure = writer.writeFailure();
    if (failure != null) {
      return failure;
    }
    if (retention.overMaxSize()) {
      return "the span log holds storage.max_size ("
          + config.maxSize()
          + ") of undecided or unexported traces; retry later";
    }
    return null;
  }

  /** Bytes the log holds now (SST files and memtables of the span column family). */
  long sizeBytes() {
    return retention.sizeBytes();
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
