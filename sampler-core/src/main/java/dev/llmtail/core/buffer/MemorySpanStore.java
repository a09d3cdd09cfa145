package dev.llmtail.core.buffer;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.ingest.TraceFragment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SpanStore} on the heap: the encoded bytes of each fragment, nothing else — the
 * fragment's own array as sliced from the request (not copied), or its place in a slab shared with
 * other fragments ({@link dev.llmtail.core.ingest.FragmentSlabs}), copied out when taken.
 *
 * <p>Design. A slab is freed only once no fragment in it is held, so one trace held for long (a
 * completion rule waiting for its root span) would keep a whole slab alive, and the heap would no
 * longer be what {@code buffer.max_bytes} counts. The store therefore holds at most {@code
 * slabBytes} of slabs: when a fragment arrives in a slab beyond that, the fragments still held in
 * the oldest slab are moved to arrays of their own and the store lets go of it. The heap the store
 * keeps is thus the bytes counted plus at most {@code slabBytes} (plus the receiving threads'
 * current slabs and those being read). Slabs are ordered by the first fragment the store saw of
 * each, under {@code lock}; a fragment is read and moved without the lock (its bytes never change,
 * so a reader copying from the slab while it is moved reads the same bytes). Thread-safe.
 */
public final class MemorySpanStore implements SpanStore {

  /**
   * Slabs the store keeps by default: an eighth of the heap (256 MiB at 2 GB), half of what the
   * default {@code buffer.max_bytes} (a quarter of the heap) counts, so that the heap held stays
   * within 1.5 times that; at 2 000 llm spans/s (10 MB/s) it is 26 s of arrivals.
   */
  static final long DEFAULT_SLAB_BYTES = Runtime.getRuntime().maxMemory() / 8;

  private final ConcurrentHashMap<TraceId, List<Held>> fragments = new ConcurrentHashMap<>();
  private final long slabBytes;
  private final Object lock = new Object();
  // @GuardedBy("lock"): the slabs holding fragments, oldest first, and their bytes.
  private final ArrayDeque<Slab> slabs = new ArrayDeque<>();
  private final IdentityHashMap<byte[], Slab> bySlab = new IdentityHashMap<>();
  private long slabsHeld;

  /** A store keeping at most {@link #DEFAULT_SLAB_BYTES} of slabs. */
  public MemorySpanStore() {
    this(DEFAULT_SLAB_BYTES);
  }

  /** A store keeping at most {@code slabBytes} of slabs (at least one slab, whatever its size). */
  public MemorySpanStore(long slabBytes) {
    this.slabBytes = slabBytes;
  }

  @Override
  public void append(TraceFragment fragment) {
    Held held = fragment.shared() ? track(fragment) : new Held(fragment.array());
    fragments.computeIfAbsent(fragment.traceId(), id -> new ArrayList<>(4)).add(held);
  }

  /** Holds a fragment in its slab; lets go of the oldest slabs beyond the bound. */
  private Held track(TraceFragment fragment) {
    byte[] bytes = fragment.array();
    synchronized (lock) {
      Slab slab = bySlab.get(bytes);
      if (slab == null) {
        slab = new Slab(bytes);
        bySlab.put(bytes, slab);
        slabs.addLast(slab);
        slabsHeld += bytes.length;
        while (slabsHeld > slabBytes && slabs.size() > 1) {
          Slab oldest = slabs.removeFirst();
          for (Held h : oldest.held) {
            h.moveOut();
          }
          forget(oldest);
        }
      }
      slab.live++;
      Held held = new Held(slab, fragment.offset(), fragment.size());
      slab.held.add(held);
      return held;
    }
  }

  /** One fragment of {@code slab} is no longer held: taken, or moved out. */
  private void released(Slab slab) {
    synchronized (lock) {
      if (--slab.live == 0 && bySlab.get(slab.bytes) == slab) {
        slabs.remove(slab);
        forget(slab);
      }
    }
  }

  private void forget(Slab slab) {
    byte[] bytes = Objects.requireNonNull(slab.bytes, "a slab is forgotten once");
    bySlab.remove(bytes);
    slabsHeld -= bytes.length;
    // No reference to the slab is left in the store's own (old) objects: G1 reclaims a humongous
    // array at a young collection only if no old object's field still points at it.
    slab.bytes = null;
  }

  /** How many bytes of slabs the store holds now (at most its {@code slabBytes} and one slab). */
  long slabBytesHeld() {
    synchronized (lock) {
      return slabsHeld;
    }
  }

  @Override
  public List<byte[]> peek(TraceId traceId) {
    return bytes(fragments.get(traceId), false);
  }

  @Override
  public List<byte[]> take(TraceId traceId) {
    return bytes(fragments.remove(traceId), true);
  }

  /** The fragments' bytes in arrays of their own; {@code release}: and lets go of their slabs. */
  private List<byte[]> bytes(@Nullable List<Held> held, boolean release) {
    if (held == null) {
      return List.of();
    }
    List<byte[]> out = new ArrayList<>(held.size());
    for (Held h : held) {
      out.add(h.bytes());
      Slab slab = release ? h.release() : null;
      if (slab != null) {
        released(slab);
      }
    }
    return out;
  }

  /** A slab holding fragments: those still held, and how many. */
  private static final class Slab {
    volatile byte @Nullable [] bytes; // null once forgotten
    final List<Held> held = new ArrayList<>(); // @GuardedBy("lock")
    int live; // @GuardedBy("lock")

    Slab(byte[] bytes) {
      this.bytes = bytes;
    }
  }

  /** One stored fragment: in an array of its own, or in a slab until taken or moved out. */
  private static final class Held {
    private final int offset;
    private final int size;
    private volatile byte @Nullable [] own;
    private volatile @Nullable Slab slab;

    Held(byte[] own) {
      this.own = own;
      this.offset = 0;
      this.size = own.length;
    }

    Held(Slab slab, int offset, int size) {
      this.slab = slab;
      this.offset = offset;
      this.size = size;
    }

    /** The bytes, in an array of their own. */
    byte[] bytes() {
      byte[] o = own;
      if (o != null) {
        return o;
      }
      Slab s = slab;
      byte[] b = s == null ? null : s.bytes;
      if (b != null) {
        return Arrays.copyOfRange(b, offset, offset + size);
      }
      // Moved out between the reads: own is set before the slab is let go.
      return Objects.requireNonNull(own, "a fragment is moved out before its slab is let go");
    }

    /** Copies the bytes out of the slab the store lets go of, unless they were taken already. */
    void moveOut() {
      Slab s = slab;
      byte[] b = s == null ? null : s.bytes;
      if (b != null) {
        own = Arrays.copyOfRange(b, offset, offset + size);
        slab = null;
      }
    }

    /** Lets go of the slab once the bytes were taken: the slab, if it was still held. */
    @Nullable Slab release() {
      Slab s = slab;
      slab = null;
      return s;
    }
  }
}
