package dev.llmtail.policies;

import dev.llmtail.core.DurationFormat;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code dynamic} policy type (what Refinery calls dynamic sampling): keeps traces at a rate
 * that depends on how common their key is, so that rare values (a persona, an experiment arm, a
 * route, a model) are kept far more often than common ones and every value stays visible, while all
 * of them together come close to one in {@code goal_sample_rate}.
 *
 * <p>Each {@code window} (in trace time, so replays match live traffic) the traces seen per key set
 * the next window's rates, as Refinery's average-sample-rate sampler does: with {@code n_k} traces
 * of key {@code k} and {@code N} in all, key {@code k} gets {@code goal_k = max(1, log10(n_k) · (N
 * / goal_sample_rate) / Σ log10(n_j))} kept traces, i.e. a rate of {@code max(1, n_k / goal_k)}. A
 * key not seen in the previous window is kept at rate 1. The choice within a key uses the trace
 * id's randomness (consistent on every replica), and a kept trace's adjusted count is the rate it
 * stood for.
 */
final class DynamicPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("dynamic", Options.class, DynamicPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param keys attributes whose values form the key (read on the root span first, then any span,
   *     resource or scope)
   * @param goalSampleRate keep about one in this many traces overall; default 10
   * @param window how often rates are recomputed from what was seen; default 30s
   */
  record Options(List<String> keys, Double goalSampleRate, Duration window) {
    Options {
      if (keys == null || keys.isEmpty()) {
        throw new IllegalArgumentException(
            "keys: missing (expected: the attributes that form the key, e.g. [app.persona])");
      }
      keys = List.copyOf(keys);
      goalSampleRate = goalSampleRate == null ? 10.0 : goalSampleRate;
      window = window == null ? Duration.ofSeconds(30) : window;
      if (!(goalSampleRate >= 1)) {
        throw new IllegalArgumentException(
            "goal_sample_rate: " + goalSampleRate + " (expected: >= 1; 1 keeps everything)");
      }
      if (window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException(
            "window: " + DurationFormat.format(window) + " (expected: > 0)");
      }
    }
  }

  private final Options options;
  private final TraceClock clock = new TraceClock();
  private final Object lock = new Object();
  private Map<String, Long> counts = new HashMap<>(); // guarded by lock
  private Map<String, Double> rates = Map.of(); // guarded by lock
  private long windowStart = Long.MIN_VALUE; // guarded by lock
  private final CountedTraces counted = new CountedTraces(); // guarded by lock

  DynamicPolicy(Options options) {
    this.options = options;
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    String key = keyOf(trace, options.keys());
    double rate = rateFor(key, trace);
    double p = 1 / rate;
    long threshold = TraceRandomness.rejectionThreshold(p);
    long randomness = trace.traceId().randomness();
    Evidence e =
        Evidence.ofTrace(
            "key " + key,
            String.format(Locale.ROOT, "rate 1 in %.1f", rate),
            "goal 1 in " + options.goalSampleRate());
    return randomness >= threshold
        ? Verdict.keepSampled(
            p, String.format(Locale.ROOT, "dynamic: %s is kept 1 in %.1f", key, rate), e)
        : Verdict.noOpinion(
            String.format(
                Locale.ROOT, "dynamic: %s is kept 1 in %.1f and this trace is not one", key, rate),
            e);
  }

  /**
   * Counts the trace in its window (rolling the window first if it is over) and returns its key's
   * rate.
   */
  double rateFor(String key, TraceView trace) {
    synchronized (lock) {
      long now = clock.advance(trace);
      if (windowStart == Long.MIN_VALUE) {
        windowStart = now;
      } else if (now - windowStart >= options.window().toNanos() || now < windowStart) {
        rates = ratesFrom(counts, options.goalSampleRate());
        counts = new HashMap<>();
        windowStart = now;
      }
      if (counted.firstTime(trace)) {
        counts.merge(key, 1L, Long::sum);
      }
      return rates.getOrDefault(key, 1.0);
    }
  }

  /** The value of the key for a trace, e.g. {@code persona=thorough}. */
  static String keyOf(TraceView trace, List<String> keys) {
    StringBuilder key = new StringBuilder();
    for (String k : keys) {
      Optional<AnyValue> v = trace.root().flatMap(r -> AttributeLookup.find(r, k));
      for (int i = 0; v.isEmpty() && i < trace.spans().size(); i++) {
        SpanView s = trace.spans().get(i);
        v = AttributeLookup.find(s, k);
      }
      key.append(key.length() == 0 ? "" : ",")
          .append(k)
          .append('=')
          .append(v.map(AttributeLookup::text).orElse("(none)"));
    }
    return key.toString();
  }

  /** Refinery's average-sample-rate allocation: log-scaled shares of the window's goal count. */
  static Map<String, Double> ratesFrom(Map<String, Long> counts, double goalSampleRate) {
    long total = 0;
    double logSum = 0;
    for (long n : counts.values()) {
      total += n;
      logSum += Math.log10(n);
    }
    Map<String, Double> rates = new HashMap<>();
    double goalCount = total / goalSampleRate;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      double goalForKey =
          logSum == 0 ? goalCount / counts.size() : Math.log10(e.getValue()) * goalCount / logSum;
      rates.put(e.getKey(), Math.max(1, e.getValue() / Math.max(1, goalForKey)));
    }
    return rates;
  }
}
