package dev.llmtail.core.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.ingest.TraceFragment;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemorySpanStoreTest {

  private static final int SLAB = 1024;
  private static final int FRAGMENT = 100;

  /** A slab of ten 100-byte fragments, fragment i of it filled with the byte {@code fill + i}. */
  private static byte[] slab(int fill) {
    byte[] slab = new byte[SLAB];
    for (int i = 0; i < 10; i++) {
      Arrays.fill(slab, i * FRAGMENT, (i + 1) * FRAGMENT, (byte) (fill + i));
    }
    return slab;
  }

  private static TraceFragment inSlab(long trace, byte[] slab, int index) {
    return new TraceFragment(new TraceId(1, trace), slab, index * FRAGMENT, FRAGMENT, 1, false, -1);
  }

  private static byte[] filled(int value) {
    byte[] bytes = new byte[FRAGMENT];
    Arrays.fill(bytes, (byte) value);
    return bytes;
  }

  @Test
  void takesFragmentsFromSlabsAsArraysOfTheirOwnInArrivalOrder() {
    MemorySpanStore store = new MemorySpanStore(4 * SLAB);
    byte[] slab = slab(10);
    byte[] own = filled(99);
    store.append(inSlab(1, slab, 3));
    store.append(new TraceFragment(new TraceId(1, 1), own, 1, false));
    store.append(inSlab(1, slab, 0));

    assertThat(store.peek(new TraceId(1, 1))).containsExactly(filled(13), own, filled(10));
    List<byte[]> taken = store.take(new TraceId(1, 1));

    assertThat(taken).containsExactly(filled(13), own, filled(10));
    assertThat(taken.get(1)).isSameAs(own);
    assertThat(store.take(new TraceId(1, 1))).isEmpty();
  }

  @Test
  void letsGoOfASlabOnceEveryFragmentInItWasTaken() {
    MemorySpanStore store = new MemorySpanStore(4 * SLAB);
    byte[] slab = slab(10);
    store.append(inSlab(1, slab, 0));
    store.append(inSlab(2, slab, 1));
    assertThat(store.slabBytesHeld()).isEqualTo(SLAB);

    store.take(new TraceId(1, 1));
    assertThat(store.slabBytesHeld()).isEqualTo(SLAB);
    store.take(new TraceId(1, 2));
    assertThat(store.slabBytesHeld()).isZero();
  }

  @Test
  void aTraceHeldPastItsSlabsBoundMovesOutAndNoLongerKeepsTheSlabAlive() {
    MemorySpanStore store = new MemorySpanStore(2 * SLAB);
    byte[] first = slab(10);
    WeakReference<byte[]> firstSlab = new WeakReference<>(first);
    store.append(inSlab(1, first, 0)); // a trace waiting long: its root span has not come yet
    for (int i = 1; i < 10; i++) {
      store.append(inSlab(100 + i, first, i));
      store.take(new TraceId(1, 100 + i)); // the others are decided within the quiet period
    }
    first = null;
    assertThat(store.slabBytesHeld()).isEqualTo(SLAB);

    // Slabs keep arriving: the store holds at most two of them, so the first moves out.
    for (int s = 1; s <= 5; s++) {
      byte[] next = slab(10 * s + 10);
      for (int i = 0; i < 10; i++) {
        store.append(inSlab(1000L * s + i, next, i));
      }
      assertThat(store.slabBytesHeld()).isLessThanOrEqualTo(2 * SLAB);
    }

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              System.gc();
              return firstSlab.get() == null;
            });
    assertThat(store.take(new TraceId(1, 1))).containsExactly(filled(10));
    assertThat(store.take(new TraceId(1, 5003))).containsExactly(filled(63));
  }

  @Test
  void threadsAppendingAndTakingThroughMovesAlwaysGetTheBytesAppended() throws Exception {
    MemorySpanStore store = new MemorySpanStore(2 * SLAB);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        long thread = t;
        done.add(
            threads.submit(
                () -> {
                  // Each thread its own slabs, as each receiving thread writes its own; every
                  // trace is taken two slabs later, so the store moves some out first.
                  for (int s = 0; s < 200; s++) {
                    byte[] slab = slab(s % 20 * 10);
                    for (int i = 0; i < 10; i++) {
                      store.append(inSlab(thread << 32 | s * 10L + i, slab, i));
                    }
                    if (s >= 2) {
                      for (int i = 0; i < 10; i++) {
                        TraceId id = new TraceId(1, thread << 32 | (s - 2) * 10L + i);
                        assertThat(store.take(id)).containsExactly(filled((s - 2) % 20 * 10 + i));
                      }
                    }
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(store.slabBytesHeld()).isLessThanOrEqualTo(2 * SLAB);
  }
}
