package dev.llmtail.core.buffer;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.llmtail.core.TraceId;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The buffer's remembered decisions ({@code decision_cache}): a Caffeine cache bounded by {@code
 * max_entries} and {@code ttl}, whose maintenance (Caffeine's eviction, expiry and frequency
 * bookkeeping) runs when the deciding thread calls {@link #maintain} after a batch of decisions.
 *
 * <p>Why not after every write: with a same-thread executor every {@code put} — one per decided
 * trace — ran a whole maintenance pass on the deciding thread. While one pass is pending Caffeine
 * schedules no other; writes only join its write buffer, so one pass serves a decider's whole
 * wake-up. Reads stay exact meanwhile: an expired decision is never returned, and a full write
 * buffer makes the writer run the maintenance itself, so the size bound is overrun by at most that
 * buffer. Any thread may write; {@link TraceBuffer#decideDue} and {@link TraceBuffer#decideAll}
 * call {@link #maintain}, and the sidecar calls {@code decideDue} every tick.
 */
final class DecisionCache {

  private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
  private final Cache<TraceId, RememberedDecision> cache;

  DecisionCache(BufferSettings settings, Ticker ticker) {
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(settings.decisionCacheSize())
            .expireAfterWrite(settings.decisionCacheTtl())
            .ticker(ticker)
            .executor(pending::add)
            .build();
  }

  Cache<TraceId, RememberedDecision> cache() {
    return cache;
  }

  /** Runs the maintenance Caffeine scheduled so far, on the calling thread. */
  void maintain() {
    for (Runnable task = pending.poll(); task != null; task = pending.poll()) {
      task.run();
    }
  }
}
