package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import io.opentelemetry.proto.trace.v1.ResourceSpans;

/**
 * The {@code bytes_limiting} policy type (as the Collector's): keeps traces while the span bytes
 * (OTLP wire size) kept by this policy stay within a token bucket of {@code bytes_per_second} with
 * room for bursts of {@code burst_capacity}. Time is the traces' own end time.
 */
final class BytesLimitingPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("bytes_limiting", Options.class, BytesLimitingPolicy::new);

  /**
   * @param bytesPerSecond bytes this policy may keep per second
   * @param burstCapacity the bucket size; default twice {@code bytes_per_second}
   */
  record Options(Long bytesPerSecond, Long burstCapacity) {
    Options {
      SpanBudget.requirePositive("bytes_per_second", bytesPerSecond);
      burstCapacity = burstCapacity == null ? 2 * bytesPerSecond : burstCapacity;
      if (burstCapacity < bytesPerSecond) {
        throw new IllegalArgumentException(
            "burst_capacity: "
                + burstCapacity
                + " (expected: >= bytes_per_second "
                + bytesPerSecond
                + ")");
      }
    }
  }

  private final SpanBudget budget;
  private final String limit;
  private final String rate;

  BytesLimitingPolicy(Options o) {
    this.budget = new SpanBudget(o.bytesPerSecond(), o.burstCapacity());
    this.limit = "<= " + o.bytesPerSecond() + " bytes/s (burst " + o.burstCapacity() + ")";
    this.rate = "byte limit of " + o.bytesPerSecond() + " bytes/s";
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    long bytes = trace.fragments().stream().mapToLong(ResourceSpans::getSerializedSize).sum();
    Evidence e = Evidence.ofTrace("trace bytes", Long.toString(bytes), limit);
    return budget.keepWithin(trace.endEpochNanos(), bytes, rate, e);
  }
}
