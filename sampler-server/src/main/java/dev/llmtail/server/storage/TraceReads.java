package dev.llmtail.server.storage;

import static dev.llmtail.server.storage.SpanLogKeys.HEADER;
import static dev.llmtail.server.storage.SpanLogKeys.SPANS;
import static dev.llmtail.server.storage.SpanLogKeys.id;
import static dev.llmtail.server.storage.SpanLogKeys.key;

import dev.llmtail.core.TraceId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Reads one trace's records back from the span log's {@code spans} column family: one prefix seek
 * on the trace id (the column family's 16-byte prefix bloom filter skips files without it), then
 * the records in sequence order. The one read path for deciding a buffered trace, {@code /debug}'s
 * view of it, and a dropped trace read back for promotion.
 *
 * <p>Never throws into the span path: a record whose checksum fails is skipped and counted in
 * {@code llmtail.storage.records.corrupt}; a record that is not there (retention or max_size
 * deleted an earlier, decided trace of the same id with it) is counted in {@code
 * llmtail.storage.records.missing}; RocksDB failing to read is logged and leaves the rest unread.
 * Thread-safe.
 */
final class TraceReads {

  private static final System.Logger LOG = System.getLogger(RocksSpanLog.class.getName());

  /** Sees one record of a trace: its sequence number and its value (header and payload). */
  @FunctionalInterface
  interface RecordVisitor {
    void visit(long sequence, byte[] value);
  }

  /**
   * Values larger than this are read into an array of their own, so that a thread keeps at most
   * this much scratch.
   */
  private static final int MAX_SCRATCH = 1 << 20;

  /** Each reading thread's array that span records are read into before their payload is cut. */
  private static final ThreadLocal<byte[]> SCRATCH =
      ThreadLocal.withInitial(() -> new byte[16 << 10]);

  private final RocksDB db;
  private final ColumnFamilyHandle spans;
  private final Counter corrupt;
  private final Counter missing;

  TraceReads(RocksDB db, ColumnFamilyHandle spans, Counter corrupt, MeterRegistry meters) {
    this.db = db;
    this.spans = spans;
    this.corrupt = corrupt;
    this.missing =
        Counter.builder("llmtail.storage.records.missing")
            .description(
                "Span log records a buffered trace expected and did not find (retention or"
                    + " max_size deleted an earlier, decided trace of the same id with them); its"
                    + " decision went without them")
            .register(meters);
  }

  /** Visits every record of the trace with a sequence number in {@code [from, to]}, in order. */
  void forEach(TraceId traceId, long from, long to, RecordVisitor visitor) {
    walk(traceId, from, to, (sequence, it) -> visitor.visit(sequence, it.value()));
  }

  /** Sees one record of a trace where the iterator stands, to read its value as it needs. */
  @FunctionalInterface
  private interface RecordReader {
    void read(long sequence, RocksIterator it);
  }

  private void walk(TraceId traceId, long from, long to, RecordReader reader) {
    byte[] id = id(traceId);
    byte[] key = new byte[24];
    try (ReadOptions read = new ReadOptions().setPrefixSameAsStart(true);
        RocksIterator it = db.newIterator(spans, read)) {
      for (it.seek(key(traceId, from)); it.isValid(); it.next()) {
        if (it.key(key) != 24 || !Arrays.equals(key, 0, 16, id, 0, 16)) {
          break;
        }
        long sequence = ByteBuffer.wrap(key, 16, 8).getLong();
        if (sequence > to) {
          break;
        }
        reader.read(sequence, it);
      }
      it.status();
    } catch (RocksDBException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "span log: reading trace " + traceId + " failed: " + e.getMessage());
    }
  }

  /**
   * The span payloads (encoded {@code ResourceSpans}) at the given sequence numbers of a trace,
   * keyed by sequence number; a record that is missing or damaged is counted and left out.
   *
   * @param sorted the sequence numbers, ascending
   */
  Map<Long, byte[]> spanPayloads(TraceId traceId, long[] sorted) {
    Map<Long, byte[]> payloads = new HashMap<>();
    if (sorted.length == 0) {
      return payloads;
    }
    int[] damaged = {0};
    walk(
        traceId,
        sorted[0],
        sorted[sorted.length - 1],
        (sequence, it) -> {
          if (Arrays.binarySearch(sorted, sequence) < 0) {
            return; // a late span of an earlier decision, or one not admitted yet
          }
          byte[] payload = spanPayload(it);
          if (payload == null) {
            damaged[0]++;
          } else {
            payloads.put(sequence, payload);
          }
        });
    int absent = sorted.length - payloads.size() - damaged[0];
    corrupt.increment(damaged[0]);
    missing.increment(absent);
    if (absent + damaged[0] > 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          "span log: {0} of {1} fragments of trace {2} could not be read back ({3} missing, {4}"
              + " damaged); it is decided without them (llmtail.storage.records.missing,"
              + " llmtail.storage.records.corrupt)",
          absent + damaged[0],
          sorted.length,
          traceId,
          absent,
          damaged[0]);
    }
    return payloads;
  }

  /**
   * The payload of the intact span record where {@code it} stands, or null if it is damaged or not
   * a span record. Read through this thread's scratch array, so that the payload is the one copy on
   * the heap ({@code it.value()} would copy header and payload first).
   */
  private static byte @Nullable [] spanPayload(RocksIterator it) {
    byte[] scratch = SCRATCH.get();
    int length = it.value(scratch, 0, scratch.length);
    if (length > scratch.length) {
      scratch = new byte[length];
      if (length <= MAX_SCRATCH) {
        SCRATCH.set(scratch);
      }
      it.value(scratch, 0, length);
    }
    if (length < HEADER || scratch[0] != SPANS) {
      return null;
    }
    int crc = ByteBuffer.wrap(scratch, 1 + 8, 4).getInt();
    CRC32C check = new CRC32C();
    check.update(scratch, HEADER, length - HEADER);
    return (int) check.getValue() == crc ? Arrays.copyOfRange(scratch, HEADER, length) : null;
  }
}
