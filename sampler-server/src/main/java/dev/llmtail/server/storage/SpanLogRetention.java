package dev.llmtail.server.storage;

import static dev.llmtail.server.storage.SpanLogKeys.AFTER_LAST_KEY;
import static dev.llmtail.server.storage.SpanLogKeys.FIRST_KEY;
import static dev.llmtail.server.storage.SpanLogKeys.KEPT;
import static dev.llmtail.server.storage.SpanLogKeys.decidedAt;
import static dev.llmtail.server.storage.SpanLogKeys.next;
import static dev.llmtail.server.storage.SpanLogKeys.state;

import dev.llmtail.server.config.StorageConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.Range;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.SizeApproximationFlag;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;

/**
 * The retention and {@code max_size} sweep of {@link RocksSpanLog}: deletes settled traces once
 * {@code storage.retention} has passed since their decision, or oldest first while the log is over
 * {@code storage.max_size}, and tracks whether it still is.
 *
 * <p>The {@code expiry} column family orders decisions by time, so a sweep reads only what it
 * deletes and stops at the first trace that may stay. A kept trace not yet exported is never
 * deleted, for age or size: when only such traces fill the log, it stays over {@code max_size} and
 * requests are refused until the exporter drains it. Runs on the log's own thread; {@link
 * #overMaxSize} and {@link #sizeBytes} are read from any thread.
 */
final class SpanLogRetention {

  private static final System.Logger LOG = System.getLogger(RocksSpanLog.class.getName());

  private final SpanLogDb store;
  private final StorageConfig config;
  private final Clock clock;
  private final AtomicLong sizeBytes = new AtomicLong();
  private final Counter sweptTraces;
  private volatile boolean overMaxSize;

  SpanLogRetention(SpanLogDb store, StorageConfig config, Clock clock, MeterRegistry meters) {
    this.store = store;
    this.config = config;
    this.clock = clock;
    this.sweptTraces =
        Counter.builder("llmtail.storage.traces.deleted")
            .description("Decided traces deleted from the span log (retention or max_size)")
            .register(meters);
    Gauge.builder("llmtail.storage.bytes", sizeBytes, AtomicLong::get)
        .description("Bytes of span data in the span log (SST files and memtables, approximate)")
        .baseUnit("bytes")
        .register(meters);
  }

  /** Whether the last sweep left the log over {@code storage.max_size}. */
  boolean overMaxSize() {
    return overMaxSize;
  }

  void sweep() {
    long now = clock.millis();
    long expiredBefore = now - config.retention().toMillis();
    refreshSize();
    boolean tooBig = sizeBytes.get() > config.maxSize().bytes();
    long toFree = tooBig ? sizeBytes.get() - config.maxSize().bytes() * 9 / 10 : 0;
    long freed = 0;
    int deleted = 0;
    try (RocksIterator it = store.db().newIterator(store.expiry())) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        long decidedAt = ByteBuffer.wrap(key, 0, 8).getLong();
        boolean expired = decidedAt <= expiredBefore;
        if (!expired && freed >= toFree) {
          break;
        }
        byte[] id = Arrays.copyOfRange(key, 8, 24);
        byte[] d = store.db().get(store.decisions(), id);
        if (d != null && state(d) == KEPT) {
          continue; // kept and not exported yet: never deleted for age or size
        }
        try (WriteBatch batch = new WriteBatch()) {
          if (d != null && decidedAt(d) == decidedAt) {
            if (!expired) {
              freed += approximateSize(id, next(id));
            }
            batch.deleteRange(store.spans(), id, next(id));
            batch.delete(store.decisions(), id);
            deleted++;
          }
          batch.delete(store.expiry(), key);
          store.db().write(store.writeOptions(), batch);
        }
      }
    } catch (RocksDBException e) {
      LOG.log(System.Logger.Level.WARNING, "span log: sweep failed: " + e.getMessage());
    }
    sweptTraces.increment(deleted);
    if (tooBig && freed > 0) {
      try {
        store.db().compactRange(store.spans());
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

  /**
   * Bytes of span data between two keys, in SST files and memtables. Not the memtables' allocated
   * arena (which grows in write_buffer_size / 8 blocks), so that a small max_size means what it
   * says.
   */
  private long approximateSize(byte[] fromKey, byte[] toKey) {
    try (Slice from = new Slice(fromKey);
        Slice to = new Slice(toKey)) {
      long[] sizes =
          store
              .db()
              .getApproximateSizes(
                  store.spans(),
                  List.of(new Range(from, to)),
                  SizeApproximationFlag.INCLUDE_FILES,
                  SizeApproximationFlag.INCLUDE_MEMTABLES);
      return Math.max(1, sizes[0]);
    }
  }

  /** Bytes the log holds now (SST files and memtables of the span column family). */
  long sizeBytes() {
    refreshSize();
    return sizeBytes.get();
  }

  private void refreshSize() {
    sizeBytes.set(approximateSize(FIRST_KEY, AFTER_LAST_KEY));
  }
}
