package dev.llmtail.core.ingest;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Where {@link SlicedRequest#group(FragmentSlabs)} writes trace fragments: into large arrays shared
 * by many fragments (slabs), or into an array of their own ({@link #NONE}).
 *
 * <p>Design. A buffered fragment lives for the quiet period, so it is alive at the next young
 * collection and copied into the old generation, then copied again when G1 compacts the partly dead
 * old regions holding it. G1 never moves a humongous object (an array of at least half a heap
 * region), so fragments written into one-region slabs are never copied by the collector, and a slab
 * nothing refers to any more is freed at the next young collection (G1's eager reclaim). A field of
 * an old-generation object still pointing at a slab, even of a dead one, defers that to the next
 * concurrent cycle, which is why the span store clears its own when it lets go of a slab. Other
 * collectors copy large arrays like small ones, so {@link #forThisJvm()} answers {@link #NONE} for
 * them. A fragment larger than a quarter of a slab gets its own array; one that does not fit the
 * rest of the current slab starts a new slab (wasting less than a quarter of one).
 *
 * <p>A slab lives as long as its longest-lived fragment: whoever keeps fragments for long (the span
 * store) must move them out of old slabs ({@code MemorySpanStore} does). Each thread writes into
 * its own current slab (the receiving threads), so writes need no lock; the bytes of a fragment are
 * never written again once its fragment is built. Thread-safe.
 */
public final class FragmentSlabs {

  /** An array per fragment: every collector but G1, span logs, tests. */
  public static final FragmentSlabs NONE = new FragmentSlabs(0);

  /** Room for the array's header within one region (16 bytes with compressed class pointers). */
  private static final int HEADER_ROOM = 64;

  private static final FragmentSlabs THIS_JVM = detect();

  private final int slabSize;
  private final ThreadLocal<Slab> current = ThreadLocal.withInitial(Slab::new);

  private FragmentSlabs(int slabSize) {
    this.slabSize = slabSize;
  }

  /** Slabs of {@code slabSize} bytes (tests; {@link #forThisJvm()} sizes them for G1). */
  public static FragmentSlabs ofSize(int slabSize) {
    if (slabSize < 64) {
      throw new IllegalArgumentException("slab size " + slabSize + " (expected: >= 64 bytes)");
    }
    return new FragmentSlabs(slabSize);
  }

  /**
   * One-region slabs when this JVM collects with G1 (a region less room for the array header, so
   * that a slab is humongous and takes a single region), else {@link #NONE}.
   */
  public static FragmentSlabs forThisJvm() {
    return THIS_JVM;
  }

  private static FragmentSlabs detect() {
    try {
      HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (vm == null || !"true".equals(vm.getVMOption("UseG1GC").getValue())) {
        return NONE;
      }
      long region = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
      return region > 4 * HEADER_ROOM && region <= Integer.MAX_VALUE
          ? new FragmentSlabs((int) region - HEADER_ROOM)
          : NONE;
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // Not HotSpot, or no such option: arrays of their own, as with every other collector.
      return NONE;
    }
  }

  /** The size of a slab in bytes, 0 for {@link #NONE}. */
  public int slabSize() {
    return slabSize;
  }

  /**
   * The array to write a fragment of {@code size} bytes into, at {@link #offset()} of this thread:
   * a fresh array of exactly {@code size} bytes, or the current slab with room for it reserved.
   */
  byte[] reserve(int size) {
    Slab slab = current.get();
    if (slabSize == 0 || size > slabSize / 4) {
      slab.offset = 0;
      return new byte[size];
    }
    if (slab.bytes.length - slab.used < size) {
      slab.bytes = new byte[slabSize];
      slab.used = 0;
    }
    slab.offset = slab.used;
    slab.used += size;
    return slab.bytes;
  }

  /** Where the array {@link #reserve} returned last on this thread is to be written. */
  int offset() {
    return current.get().offset;
  }

  /** One thread's current slab. */
  private static final class Slab {
    private static final byte[] EMPTY = new byte[0];
    byte[] bytes = EMPTY;
    int used;
    int offset;
  }
}
