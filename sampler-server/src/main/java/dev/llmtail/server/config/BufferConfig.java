package dev.llmtail.server.config;

import dev.llmtail.core.buffer.BufferSettings;
import dev.llmtail.core.buffer.CompletionRule;
import dev.llmtail.policies.RootSpanCondition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code buffer} section: when a trace is complete and how much may wait.
 *
 * @param quietPeriod decide once the root span has ended and no span arrived for this long; default
 *     {@code 10s}
 * @param maxTraceWait decide at the latest this long after a trace's first span; default {@code 5m}
 * @param maxTraces most traces held at once; default {@code 100000}
 * @param maxBytes most span bytes held at once: a size, or a share of the JVM's max heap resolved
 *     at start; default {@code 25%}
 * @param maxTraceSpans a trace holding more spans is decided at once on what it holds; default
 *     {@code 10000}
 * @param maxTraceBytes a trace holding more span bytes is decided at once on what it holds; null
 *     for the default, an eighth of {@code maxBytes}
 * @param completionRules traces whose root span matches a rule's condition wait its quiet period
 *     and hard cap instead; the first match wins; default none
 */
public record BufferConfig(
    Duration quietPeriod,
    Duration maxTraceWait,
    Integer maxTraces,
    HeapShareOrSize maxBytes,
    Integer maxTraceSpans,
    @Nullable ByteSize maxTraceBytes,
    List<CompletionRuleConfig> completionRules) {

  public BufferConfig {
    quietPeriod = quietPeriod == null ? Duration.ofSeconds(10) : quietPeriod;
    maxTraceWait = maxTraceWait == null ? Duration.ofMinutes(5) : maxTraceWait;
    maxTraces = maxTraces == null ? 100_000 : maxTraces;
    // Why a quarter of the heap: docs/configuration.md, "The buffer and the heap".
    maxBytes = maxBytes == null ? new HeapShareOrSize(null, 25) : maxBytes;
    // Why these defaults: docs/configuration.md, "Why these per-trace limits".
    maxTraceSpans = maxTraceSpans == null ? 10_000 : maxTraceSpans;
    completionRules = completionRules == null ? List.of() : List.copyOf(completionRules);
  }

  /**
   * One entry of {@code buffer.completion_rules}.
   *
   * @param when a CEL condition over the root span ({@code span}) and its resource ({@code
   *     resource}), e.g. {@code span.attributes["gen_ai.operation.name"] == "invoke_agent"}
   * @param quietPeriod how long such a trace waits without a new span after its root ended; default
   *     {@code buffer.quiet_period}
   * @param maxTraceWait decide such a trace at the latest this long after its first span; default
   *     {@code buffer.max_trace_wait}
   */
  public record CompletionRuleConfig(String when, Duration quietPeriod, Duration maxTraceWait) {
    public CompletionRuleConfig {
      if (when == null || when.isBlank()) {
        throw new IllegalArgumentException(
            "when: missing (expected: a CEL condition over the root span, e.g."
                + " span.attributes[\"gen_ai.operation.name\"] == \"invoke_agent\")");
      }
    }
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

  /**
   * The settings the buffer runs with in a JVM whose max heap is {@code maxHeap} bytes ({@code
   * max_bytes} resolved, each completion rule's condition compiled); throws with the offending key
   * if they do not fit.
   */
  public BufferSettings toSettings(DecisionCacheConfig cache, long maxHeap) {
    long bytes = maxBytes.bytes(maxHeap);
    List<CompletionRule> rules = new ArrayList<>(completionRules.size());
    for (int i = 0; i < completionRules.size(); i++) {
      CompletionRuleConfig r = completionRules.get(i);
      try {
        rules.add(
            new CompletionRule(
                r.when(),
                RootSpanCondition.compile(r.when()),
                r.quietPeriod() == null ? quietPeriod : r.quietPeriod(),
                r.maxTraceWait() == null ? maxTraceWait : r.maxTraceWait()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "completion_rules: rule "
                + (i + 1)
                + " ("
                + r.when()
                + "): "
                + String.valueOf(e.getMessage()).replaceFirst("^expression: ", "when: "),
            e);
      }
    }
    return new BufferSettings(
        quietPeriod,
        maxTraceWait,
        maxTraces,
        bytes,
        cache.maxEntries(),
        cache.ttl(),
        maxTraceSpans,
        maxTraceBytes == null ? Math.max(1, bytes / 8) : maxTraceBytes.bytes(),
        rules);
  }
}
