package dev.llmtail.server.config;

import dev.llmtail.core.buffer.BufferSettings;
import java.time.Duration;

/**
 * The {@code buffer} section: when a trace is complete and how much may wait.
 *
 * @param quietPeriod decide once the root span has ended and no span arrived for this long; default
 *     {@code 10s}
 * @param maxTraceWait decide at the latest this long after a trace's first span; default {@code 5m}
 * @param maxTraces most traces held at once; default {@code 100000}
 * @param maxBytes most span bytes held at once; default {@code 256MiB}
 * @param maxTraceSpans a trace holding more spans is decided at once on what it holds; default
 *     {@code 10000}
 * @param maxTraceBytes a trace holding more span bytes is decided at once on what it holds; default
 *     {@code 32MiB}
 */
public record BufferConfig(
    Duration quietPeriod,
    Duration maxTraceWait,
    Integer maxTraces,
    ByteSize maxBytes,
    Integer maxTraceSpans,
    ByteSize maxTraceBytes) {

  public BufferConfig {
    quietPeriod = quietPeriod == null ? Duration.ofSeconds(10) : quietPeriod;
    maxTraceWait = maxTraceWait == null ? Duration.ofMinutes(5) : maxTraceWait;
    maxTraces = maxTraces == null ? 100_000 : maxTraces;
    maxBytes = maxBytes == null ? new ByteSize(256L << 20) : maxBytes;
    // Why these defaults: docs/configuration.md, "Why these per-trace limits".
    maxTraceSpans = maxTraceSpans == null ? 10_000 : maxTraceSpans;
    maxTraceBytes = maxTraceBytes == null ? new ByteSize(32L << 20) : maxTraceBytes;
  }

  /**
   * The {@code decision_cache} section: decisions remembered so late spans follow them.
   *
   * @param maxEntries most decisions remembered; default {@code 200000}
   * @param ttl how long a decision is remembered; default {@code 10m}
   */
  public record DecisionCacheConfig(Integer maxEntries, Duration ttl) {
    public DecisionCacheConfig {
      maxEntries = maxEntries == null ? 200_000 : maxEntries;
      ttl = ttl == null ? Duration.ofMinutes(10) : ttl;
    }
  }

  /** The settings the buffer runs with; throws with the offending key if they do not fit. */
  public BufferSettings toSettings(DecisionCacheConfig cache) {
    return new BufferSettings(
        quietPeriod,
        maxTraceWait,
        maxTraces,
        maxBytes.bytes(),
        cache.maxEntries(),
        cache.ttl(),
        maxTraceSpans,
        maxTraceBytes.bytes());
  }
}
