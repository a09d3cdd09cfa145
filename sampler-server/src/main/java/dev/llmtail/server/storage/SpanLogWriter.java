package dev.llmtail.server.storage;

import static dev.llmtail.server.storage.SpanLogKeys.DROPPED;
import static dev.llmtail.server.storage.SpanLogKeys.EXPORTED;
import static dev.llmtail.server.storage.SpanLogKeys.HEADER;
import static dev.llmtail.server.storage.SpanLogKeys.KEPT;
import static dev.llmtail.server.storage.SpanLogKeys.LOGS;
import static dev.llmtail.server.storage.SpanLogKeys.PROMOTED;
import static dev.llmtail.server.storage.SpanLogKeys.SPANS;
import static dev.llmtail.server.storage.SpanLogKeys.decisionValue;
import static dev.llmtail.server.storage.SpanLogKeys.expiryKey;
import static dev.llmtail.server.storage.SpanLogKeys.id;
import static dev.llmtail.server.storage.SpanLogKeys.key;
import static dev.llmtail.server.storage.SpanLogKeys.next;
import static dev.llmtail.server.storage.SpanLogKeys.state;
import static dev.llmtail.server.storage.SpanLogKeys.value;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;

/**
 * The write path of {@link RocksSpanLog}: requests, decisions and deliveries as {@link
 * WriteBatch}es, the periodic fsync, and the failure state a failed write leaves behind.
 *
 * <p>Each request is one batch; RocksDB joins the batches of concurrent writers into one WAL write
 * (and one fsync with {@code sync: always}): that is the group commit. A failed write is logged
 * once, remembered as the reason to refuse requests, and forgotten at the next sweep so that a
 * request can try again (RocksDB resumes by itself once its SST file manager sees free space).
 * Thread-safe: {@link #append} runs on receiver threads, {@link #decided} and {@link #exported} on
 * decider and exporter threads, {@link #syncWal} on the log's own thread.
 */
final class SpanLogWriter {

  private static final System.Logger LOG = System.getLogger(RocksSpanLog.class.getName());

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /**
   * A receiver thread's direct buffers that a record's key and value are written into for {@link
   * WriteBatch#put(org.rocksdb.ColumnFamilyHandle, ByteBuffer, ByteBuffer)}: RocksDB copies them
   * into the batch at once, so one pair serves every record of every request of the thread, and a
   * record costs no heap copy of its payload behind its header (that copy was 3 % of what llmtail
   * allocated in the bench's span-log row on the mix input). A thread keeps at most {@link
   * #MAX_VALUE} bytes; a larger record goes through a heap array.
   */
  private static final class Scratch {
    static final int MAX_VALUE = 1 << 20;
    final ByteBuffer key = ByteBuffer.allocateDirect(24);
    ByteBuffer value = ByteBuffer.allocateDirect(64 << 10);

    /** The value buffer, cleared, with room for {@code size} bytes. */
    ByteBuffer value(int size) {
      if (value.capacity() < size) {
        value =
            ByteBuffer.allocateDirect(Math.max(size, Math.min(MAX_VALUE, value.capacity() * 2)));
      }
      return value.clear();
    }
  }

  private final SpanLogDb store;
  private final Path directory;
  private final Clock clock;
  private final AtomicLong sequence;
  private final Counter refusedWrites;
  private volatile @Nullable String writeFailure;

  /** Between a failed write and the next one that succeeds: logged once each way. */
  private volatile boolean failing;

  SpanLogWriter(SpanLogDb store, Path directory, Clock clock, MeterRegistry meters) {
    this.store = store;
    this.directory = directory;
    this.clock = clock;
    // Strictly increasing across restarts as long as the clock does not step back: no process
    // appends a million fragments per millisecond of its life.
    this.sequence = new AtomicLong(clock.millis() * 1_000_000L);
    this.refusedWrites =
        Counter.builder("llmtail.storage.writes.refused")
            .description("Requests refused because the span log could not take them")
            .register(meters);
  }

  /** Counts a request refused for {@code why} and returns the exception to throw. */
  SpanLogFullException refuse(String why) {
    refusedWrites.increment();
    return new SpanLogFullException(why, null);
  }

  /** Writes one request; returns its span fragments stamped with their positions in the log. */
  List<TraceFragment> append(List<TraceFragment> spanFragments, List<LogFragment> logFragments) {
    long now = clock.millis();
    List<TraceFragment> logged = new ArrayList<>(spanFragments.size());
    try (WriteBatch batch = new WriteBatch()) {
      for (TraceFragment f : spanFragments) {
        long seq = sequence.incrementAndGet();
        put(batch, f.traceId(), seq, SPANS, now, f.encoded());
        logged.add(f.loggedAt(seq));
      }
      for (LogFragment f : logFragments) {
        put(batch, f.traceId(), sequence.incrementAndGet(), LOGS, now, f.logs().toByteArray());
      }
      store.db().write(store.writeOptions(), batch);
      if (failing) {
        failing = false;
        LOG.log(System.Logger.Level.INFO, "the span log takes writes again");
      }
      return logged;
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

  /** Adds one record to the batch, through this thread's {@link Scratch} when it fits. */
  private void put(WriteBatch batch, TraceId traceId, long seq, byte kind, long now, byte[] payload)
      throws RocksDBException {
    if (HEADER + payload.length > Scratch.MAX_VALUE) {
      batch.put(store.spans(), key(traceId, seq), value(kind, now, payload));
      return;
    }
    Scratch scratch = SCRATCH.get();
    ByteBuffer key = scratch.key.clear();
    key(key, traceId, seq);
    ByteBuffer value = scratch.value(HEADER + payload.length);
    value(value, kind, now, payload);
    batch.put(store.spans(), key.flip(), value.flip());
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

  /** Why the last write failed, if the log has not been swept since. */
  @Nullable String writeFailure() {
    return writeFailure;
  }

  /** Lets the next request try again after a failed write; once per sweep. */
  void forgetFailure() {
    writeFailure = null;
  }

  void decided(TraceId traceId, RememberedDecision decision, boolean promoted) {
    long now = clock.millis();
    byte[] id = id(traceId);
    byte state = decision.kept() ? (byte) (KEPT | (promoted ? PROMOTED : 0)) : DROPPED;
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(store.decisions(), id, decisionValue(state, now, decision));
      batch.put(store.expiry(), expiryKey(now, id), new byte[0]);
      store.db().write(store.writeOptions(), batch);
    } catch (RocksDBException e) {
      // The trace is decided either way; after a restart it would be decided again.
      LOG.log(
          System.Logger.Level.WARNING,
          "span log: decision of " + traceId + " not recorded: " + e.getMessage());
    }
  }

  void exported(TraceId traceId) {
    byte[] id = id(traceId);
    try (WriteBatch batch = new WriteBatch()) {
      byte[] current = store.db().get(store.decisions(), id);
      if (current == null || state(current) != KEPT) {
        return;
      }
      current[0] = (byte) (EXPORTED | (current[0] & PROMOTED));
      batch.put(store.decisions(), id, current);
      // Kept spans are at their destination: only a dropped trace's spans are retained.
      batch.deleteRange(store.spans(), id, next(id));
      store.db().write(store.writeOptions(), batch);
    } catch (RocksDBException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "span log: export of " + traceId + " not recorded: " + e.getMessage());
    }
  }

  /**
   * Deletes the fragments of {@code kind} whose payload is one of {@code delivered}, each matched
   * once, and marks a kept trace exported when spans settle. Fragments are matched by their bytes,
   * not by kind or time, so that late spans and log records appended meanwhile stay until their own
   * delivery: a crash before it exports them again.
   */
  void delivered(TraceId traceId, byte kind, List<? extends MessageLite> delivered) {
    byte[] id = id(traceId);
    List<byte[]> payloads = new ArrayList<>();
    for (MessageLite m : delivered) {
      payloads.add(m.toByteArray());
    }
    try (WriteBatch batch = new WriteBatch();
        ReadOptions read = new ReadOptions().setPrefixSameAsStart(true);
        RocksIterator it = store.db().newIterator(store.spans(), read)) {
      for (it.seek(id); it.isValid() && Arrays.equals(it.key(), 0, 16, id, 0, 16); it.next()) {
        byte[] v = it.value();
        if (v.length >= HEADER
            && v[0] == kind
            && (removeMatch(payloads, v) || (kind == SPANS && removeCanonicalMatch(payloads, v)))) {
          batch.delete(store.spans(), it.key());
        }
      }
      if (kind == SPANS) {
        byte[] current = store.db().get(store.decisions(), id);
        if (current != null && state(current) == KEPT) {
          current[0] = (byte) (EXPORTED | (current[0] & PROMOTED));
          batch.put(store.decisions(), id, current);
        }
      }
      store.db().write(store.writeOptions(), batch);
    } catch (RocksDBException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "span log: delivery of " + traceId + " not recorded: " + e.getMessage());
    }
  }

  /**
   * Like {@link #removeMatch}, for a span fragment stored as the client encoded it: its spans'
   * bytes are the request's own, which a client may encode otherwise than protobuf-java (field
   * order, unknown fields), while {@code payloads} were encoded from the parsed messages. Compared
   * after the same round trip; only fragments whose bytes matched nothing pay for it.
   */
  private static boolean removeCanonicalMatch(List<byte[]> payloads, byte[] value) {
    byte[] canonical;
    try {
      canonical =
          ResourceSpans.parseFrom(ByteBuffer.wrap(value, HEADER, value.length - HEADER))
              .toByteArray();
    } catch (InvalidProtocolBufferException e) {
      return false; // not readable: never delivered, and recovery counts it damaged
    }
    for (int i = 0; i < payloads.size(); i++) {
      if (Arrays.equals(payloads.get(i), canonical)) {
        payloads.remove(i);
        return true;
      }
    }
    return false;
  }

  /** Removes from {@code payloads} the one {@code value} holds, if any. */
  private static boolean removeMatch(List<byte[]> payloads, byte[] value) {
    for (int i = 0; i < payloads.size(); i++) {
      byte[] p = payloads.get(i);
      if (p.length == value.length - HEADER
          && Arrays.equals(p, 0, p.length, value, HEADER, value.length)) {
        payloads.remove(i);
        return true;
      }
    }
    return false;
  }

  void syncWal() {
    try {
      store.db().flushWal(true);
    } catch (RocksDBException e) {
      LOG.log(System.Logger.Level.WARNING, "fsync of the span log failed: " + e.getMessage());
    }
  }
}
