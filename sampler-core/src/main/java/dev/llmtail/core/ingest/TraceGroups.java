package dev.llmtail.core.ingest;

/**
 * The spans of one resource grouped by trace id, in the order of each trace's first span: group
 * {@code g}'s spans are {@code spans()[start(g)] .. spans()[start(g + 1) - 1]}, ascending.
 *
 * <p>Design. A request holds tens to hundreds of spans of a few dozen traces, usually interleaved.
 * Grouping them with a map keyed by trace id cost a {@code TraceId}, a map entry and a list per
 * trace and hashed boxed keys; here the ids stay two {@code long}s per span and the groups are
 * found with an open-addressing table of ints (linear probing, Fibonacci hashing of both halves, at
 * most half full) and laid out by a counting sort. Built and read by one request's thread.
 */
final class TraceGroups {

  private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;

  private final int[] spans;
  private final int[] starts;
  private final int count;

  private TraceGroups(int[] spans, int[] starts, int count) {
    this.spans = spans;
    this.starts = starts;
    this.count = count;
  }

  /** Groups spans {@code from .. to - 1}, whose trace ids are {@code (highs[k], lows[k])}. */
  static TraceGroups of(long[] highs, long[] lows, int from, int to) {
    int n = to - from;
    // A table of at least 2n slots, a power of two: 'bits' >= 1, so the shift below is < 64.
    int bits = 32 - Integer.numberOfLeadingZeros(2 * n - 1);
    int mask = (1 << bits) - 1;
    int[] slots = new int[1 << bits]; // a group's number + 1; 0 is a free slot
    int[] groupOf = new int[n];
    int[] firstOf = new int[n];
    int groups = 0;
    for (int k = 0; k < n; k++) {
      long high = highs[from + k];
      long low = lows[from + k];
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
        int first = firstOf[group];
        if (highs[first] == high && lows[first] == low) {
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
