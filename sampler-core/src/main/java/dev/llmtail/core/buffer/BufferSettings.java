package dev.llmtail.core.buffer;

import dev.llmtail.core.DurationFormat;
import java.time.Duration;
import java.util.List;

/**
 * When a buffered trace is decided and how much the buffer may hold.
 *
 * @param quietPeriod after the root span has ended, decide once no span arrived for this long
 * @param maxTraceWait decide at the latest this long after the trace's first span arrived
 * @param maxTraces at most this many traces buffered; beyond it the oldest is decided early
 * @param maxBytes at most this many span bytes (OTLP wire size) buffered; beyond it the oldest
 *     trace is decided early
 * @param decisionCacheSize how many decided trace ids are remembered for late spans
 * @param decisionCacheTtl how long a decision is remembered for late spans
 * @param maxTraceSpans a trace holding more spans than this is decided at once on what it holds
 * @param maxTraceBytes a trace holding more span bytes than this is decided at once on what it
 *     holds
 * @param completionRules traces whose root span matches a rule wait its quiet period and hard cap
 *     instead (the first match wins; before the root span arrived the defaults apply)
 */
public record BufferSettings(
    Duration quietPeriod,
    Duration maxTraceWait,
    int maxTraces,
    long maxBytes,
    int decisionCacheSize,
    Duration decisionCacheTtl,
    int maxTraceSpans,
    long maxTraceBytes,
    List<CompletionRule> completionRules) {

  public BufferSettings {
    completionRules = List.copyOf(completionRules);
    requirePositive("quiet_period", quietPeriod);
    requirePositive("max_trace_wait", maxTraceWait);
    requirePositive("decision_cache.ttl", decisionCacheTtl);
    if (maxTraceWait.compareTo(quietPeriod) < 0) {
      throw new IllegalArgumentException(
          "max_trace_wait: %s is shorter than quiet_period %s (expected: max_trace_wait >= quiet_period)"
              .formatted(DurationFormat.format(maxTraceWait), DurationFormat.format(quietPeriod)));
    }
    if (maxTraces < 1) {
      throw new IllegalArgumentException("max_traces: " + maxTraces + " (expected: >= 1)");
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("max_bytes: " + maxBytes + " (expected: >= 1 byte)");
    }
    if (decisionCacheSize < 0) {
      throw new IllegalArgumentException(
          "decision_cache.max_entries: " + decisionCacheSize + " (expected: >= 0)");
    }
    if (maxTraceSpans < 1) {
      throw new IllegalArgumentException("max_trace_spans: " + maxTraceSpans + " (expected: >= 1)");
    }
    if (maxTraceBytes < 1) {
      throw new IllegalArgumentException(
          "max_trace_bytes: " + maxTraceBytes + " (expected: >= 1 byte)");
    }
  }

  /** Settings without completion rules: every trace waits {@code quietPeriod}. */
  public BufferSettings(
      Duration quietPeriod,
      Duration maxTraceWait,
      int maxTraces,
      long maxBytes,
      int decisionCacheSize,
      Duration decisionCacheTtl,
      int maxTraceSpans,
      long maxTraceBytes) {
    this(
        quietPeriod,
        maxTraceWait,
        maxTraces,
        maxBytes,
        decisionCacheSize,
        decisionCacheTtl,
        maxTraceSpans,
        maxTraceBytes,
        List.of());
  }

  /** Settings without per-trace limits: one trace may fill the whole buffer. */
  public BufferSettings(
      Duration quietPeriod,
      Duration maxTraceWait,
      int maxTraces,
      long maxBytes,
      int decisionCacheSize,
      Duration decisionCacheTtl) {
    this(
        quietPeriod,
        maxTraceWait,
        maxTraces,
        maxBytes,
        decisionCacheSize,
        decisionCacheTtl,
        Integer.MAX_VALUE,
        Long.MAX_VALUE);
  }

  private static void requirePositive(String key, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(
          key
              + ": "
              + (d == null ? "missing" : DurationFormat.format(d))
              + " (expected: a duration > 0, e.g. 10s)");
    }
  }
}
