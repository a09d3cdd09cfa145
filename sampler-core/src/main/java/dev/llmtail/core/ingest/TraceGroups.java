package dev.llmtail.core.ingest;

import dev.llmtail.core.TraceId;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The spans of one resource grouped by trace id, in the order of each trace's first span: group
 * {@code g}'s spans are {@code spans()[start(g)] .. spans()[start(g + 1) - 1]}, ascending.
 *
 * <p>Design. A request holds tens to hundreds of spans of a few dozen traces, usually interleaved.
 * Grouping them with a map keyed by trace id cost a {@code TraceId}, a map entry and a list per
 * trace and hashed boxed keys; here each span's id is read where it lies in the request's bytes
 * (two {@code long}s through a {@link VarHandle} view) and the groups are found with an
 * open-addressing table of ints (linear probing, Fibonacci hashing of both halves, at most half
 * full) and laid out by a counting sort. Built and read by one request's thread.
 */
final class TraceGroups {

  private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;

  private static final VarHandle BIG_ENDIAN_LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final int[] spans;
  private final int[] starts;
  private final int count;

  private TraceGroups(int[] spans, int[] starts, int count) {
    this.spans = spans;
    this.starts = starts;
    this.count = count;
  }

  /**
   * The high half of the 16-byte trace id at {@code buf[start]}: its first eight bytes, big-endian,
   * as {@link TraceId} holds them.
   */
  static long high(byte[] buf, int start) {
    return (long) BIG_ENDIAN_LONGS.get(buf, start);
  }

  /** The low half of the 16-byte trace id at {@code buf[start]}. */
  static long low(byte[] buf, int start) {
    return (long) BIG_ENDIAN_LONGS.get(buf, start + 8);
  }

  /**
   * Groups spans {@code from .. to - 1}, whose trace ids are the 16 bytes at {@code
   * buf[traceStarts[k]]}.
   */
  static TraceGroups of(byte[] buf, int[] traceStarts, int from, int to) {
    int n = to - from;
    // A table of at least 2n slots, a power of two: 'bits' >= 1, so the shift below is < 64.
    int bits = 32 - Integer.numberOfLeadingZeros(2 * n - 1);
    int mask = (1 << bits) - 1;
    int[] slots = new int[1 << bits]; // a group's number + 1; 0 is a free slot
    int[] groupOf = new int[n];
    int[] firstOf = new int[n];
    int groups = 0;
    for (int k = 0; k < n; k++) {
      long high = high(buf, traceStarts[from + k]);
      long low = low(buf, traceStarts[from + k]);
      int slot = (int) (((high ^ Long.rotateLeft(low, 32)) * GOLDEN) >>> (64 - bits));
      int group;
      while (true) {
        group = slots[slot] - 1;
        if (group < 0) {
          group = groups++;
          slots[slot] = group + 1;
          firstOf[group] = from + k;
          break;
        }
        int first = traceStarts[firstOf[group]];
        if (high(buf, first) == high && low(buf, first) == low) {
          break;
        }
        slot = (slot + 1) & mask;
      }
      groupOf[k] = group;
    }
    // Counting sort by group, stable: each group's spans stay in request order.
    int[] starts = new int[groups + 1];
    for (int k = 0; k < n; k++) {
      starts[groupOf[k] + 1]++;
    }
    for (int g = 0; g < groups; g++) {
      starts[g + 1] += starts[g];
    }
    int[] next = firstOf; // reused: a group's next free place in 'spans'
    System.arraycopy(starts, 0, next, 0, groups);
    int[] spans = new int[n];
    for (int k = 0; k < n; k++) {
      spans[next[groupOf[k]]++] = from + k;
    }
    return new TraceGroups(spans, starts, groups);
  }

  /** How many traces: groups {@code 0 .. count() - 1}. */
  int count() {
    return count;
  }

  /** The spans' indexes, grouped. */
  int[] spans() {
    return spans;
  }

  /** Where group {@code g} starts in {@link #spans()}; {@code start(count())} is the end. */
  int start(int g) {
    return starts[g];
  }
}
