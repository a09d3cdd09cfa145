package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Explanation;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import java.util.Locale;

/**
 * The {@code probabilistic} policy type: keeps a fixed share of traces, chosen by the trace id so
 * that every replica (and OpenTelemetry's consistent-probability samplers) agrees.
 *
 * <p>The randomness is the trace id's 56 low bits, as in W3C Trace Context level 2 and the
 * OpenTelemetry sampling spec: with {@code p} the configured fraction, the rejection threshold is
 * {@code T = round((1 - p) * 2^56)} and a trace is kept when its randomness is {@code >= T}.
 */
final class ProbabilisticPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("probabilistic", Options.class, ProbabilisticPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param samplingPercentage share of traces to keep, in percent ({@code 0 < value <= 100})
   */
  record Options(Double samplingPercentage) {
    Options {
      if (samplingPercentage == null) {
        throw new IllegalArgumentException(
            "sampling_percentage: missing (expected: a percentage, 0 < value <= 100, e.g. 5)");
      }
      if (!(samplingPercentage > 0 && samplingPercentage <= 100)) {
        throw new IllegalArgumentException(
            "sampling_percentage: " + samplingPercentage + " (expected: 0 < value <= 100)");
      }
    }
  }

  private final double p;
  private final long threshold;
  private final String percent;

  ProbabilisticPolicy(Options options) {
    this.p = options.samplingPercentage() / 100.0;
    this.threshold = TraceRandomness.rejectionThreshold(p);
    this.percent = formatPercent(options.samplingPercentage());
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    long randomness = trace.traceId().randomness();
    if (randomness >= threshold) {
      return Verdict.keepSampled(
          p,
          () ->
              Explanation.of("trace id falls in the " + percent + " sample", evidence(randomness)));
    }
    return Verdict.noOpinion(
        () ->
            Explanation.of("trace id is outside the " + percent + " sample", evidence(randomness)));
  }

  private Evidence evidence(long randomness) {
    return Evidence.ofTrace(
        "trace id randomness (56 low bits)",
        String.format(Locale.ROOT, "%014x", randomness),
        String.format(Locale.ROOT, ">= %014x (%s sample)", threshold, percent));
  }

  private static String formatPercent(double percent) {
    return (percent == Math.rint(percent)
            ? String.format(Locale.ROOT, "%.0f", percent)
            : String.format(Locale.ROOT, "%s", percent))
        + "%";
  }
}
