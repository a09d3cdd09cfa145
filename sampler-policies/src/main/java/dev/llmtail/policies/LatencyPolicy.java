package dev.llmtail.policies;

import dev.llmtail.core.DurationFormat;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.Explanation;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The {@code latency} policy type: keeps a trace whose duration (earliest span start to latest span
 * end) is at least {@code threshold} and, when {@code upper_threshold} is set, at most that.
 */
final class LatencyPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("latency", Options.class, LatencyPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param threshold keep traces at least this long, e.g. {@code 30s}
   * @param upperThreshold if set, keep only traces at most this long
   */
  record Options(Duration threshold, Duration upperThreshold) {
    Options {
      if (threshold == null || threshold.isNegative() || threshold.isZero()) {
        throw new IllegalArgumentException(
            "threshold: "
                + (threshold == null ? "missing" : DurationFormat.format(threshold))
                + " (expected: a duration > 0, e.g. 30s)");
      }
      if (upperThreshold != null && upperThreshold.compareTo(threshold) < 0) {
        throw new IllegalArgumentException(
            "upper_threshold: %s is below threshold %s (expected: upper_threshold >= threshold)"
                .formatted(
                    DurationFormat.format(upperThreshold), DurationFormat.format(threshold)));
      }
    }
  }

  private final long min;
  private final long max;
  private final String range;

  LatencyPolicy(Options options) {
    this.min = options.threshold().toNanos();
    this.max =
        options.upperThreshold() == null ? Long.MAX_VALUE : options.upperThreshold().toNanos();
    this.range =
        options.upperThreshold() == null
            ? ">= " + DurationFormat.formatNanos(min)
            : DurationFormat.formatNanos(min) + " .. " + DurationFormat.formatNanos(max);
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    long duration = trace.durationNanos();
    boolean inRange = duration >= min && duration <= max;
    Supplier<Explanation> words =
        () -> {
          String took = DurationFormat.formatNanos(duration);
          return Explanation.of(
              "trace took " + took + (inRange ? ", in " : ", not in ") + range,
              Evidence.ofTrace("trace duration", took, range));
        };
    return inRange ? Verdict.keep(words) : Verdict.noOpinion(words);
  }
}
