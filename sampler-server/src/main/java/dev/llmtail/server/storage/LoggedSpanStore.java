package dev.llmtail.server.storage;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.SpanStore;
import dev.llmtail.core.ingest.TraceFragment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SpanStore} that keeps no span bytes on the heap: the receivers wrote every fragment to
 * the span log before answering, so the store remembers only where the log holds each admitted
 * fragment (its sequence number, 8 bytes) and reads the bytes back with {@link TraceReads} when the
 * trace is decided or shown in {@code /debug}.
 *
 * <p>Design. Only fragments the buffer admitted are read back — not every record under the trace
 * id: the log also holds fragments written but not admitted yet (their request is between the log
 * and the buffer; once admitted they join the trace or follow its decision as late spans), the late
 * spans of an earlier decision, and a dropped trace's retained spans. A fragment the log does not
 * hold (the Kafka receiver admits without the log; Kafka is its durable source) keeps its bytes
 * here, as {@link dev.llmtail.core.buffer.MemorySpanStore} would.
 *
 * <p>Concurrency. As the {@link SpanStore} contract says: calls for one trace never overlap, so a
 * trace's {@link Held} needs no lock of its own; the map is concurrent across traces.
 */
final class LoggedSpanStore implements SpanStore {

  private final TraceReads reads;
  private final ConcurrentHashMap<TraceId, Held> held = new ConcurrentHashMap<>();

  LoggedSpanStore(TraceReads reads) {
    this.reads = reads;
  }

  @Override
  public void append(TraceFragment fragment) {
    Held h = held.computeIfAbsent(fragment.traceId(), id -> new Held());
    if (fragment.logged()) {
      h.add(fragment.logPosition());
    } else {
      h.addUnlogged(fragment.encoded());
    }
  }

  @Override
  public List<byte[]> take(TraceId traceId) {
    Held h = held.remove(traceId);
    return h == null ? List.of() : read(traceId, h);
  }

  @Override
  public List<byte[]> peek(TraceId traceId) {
    Held h = held.get(traceId);
    return h == null ? List.of() : read(traceId, h);
  }

  /** The trace's fragments in the order they were appended. */
  private List<byte[]> read(TraceId traceId, Held h) {
    long[] sorted = h.logPositions();
    Map<Long, byte[]> fromLog = reads.spanPayloads(traceId, sorted);
    List<byte[]> out = new ArrayList<>(h.count);
    for (int i = 0; i < h.count; i++) {
      long entry = h.entries[i];
      byte[] bytes = entry >= 0 ? fromLog.get(entry) : h.unlogged().get(Held.unloggedIndex(entry));
      if (bytes != null) {
        out.add(bytes);
      }
    }
    return out;
  }

  /**
   * Where one trace's fragments are, in append order: a log position (a sequence number, never
   * negative), or {@code -(i + 1)} for the i-th fragment kept on the heap.
   */
  private static final class Held {
    long[] entries = new long[4];
    int count;
    @Nullable List<byte[]> unlogged;

    void add(long entry) {
      if (count == entries.length) {
        entries = Arrays.copyOf(entries, count * 2);
      }
      entries[count++] = entry;
    }

    void addUnlogged(byte[] bytes) {
      List<byte[]> list = unlogged;
      if (list == null) {
        list = new ArrayList<>(2);
        unlogged = list;
      }
      list.add(bytes);
      add(-list.size());
    }

    List<byte[]> unlogged() {
      List<byte[]> list = unlogged;
      return list == null ? List.of() : list;
    }

    static int unloggedIndex(long entry) {
      return (int) (-entry - 1);
    }

    /** The log positions, ascending. */
    long[] logPositions() {
      long[] positions = new long[count];
      int n = 0;
      for (int i = 0; i < count; i++) {
        if (entries[i] >= 0) {
          positions[n++] = entries[i];
        }
      }
      positions = n == count ? positions : Arrays.copyOf(positions, n);
      Arrays.sort(positions);
      return positions;
    }
  }
}
