package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.Verdict;
import io.opentelemetry.proto.trace.v1.ResourceSpans;

/**
 * The {@code bytes_limiting} policy type (as the Collector's): keeps traces while the span bytes
 * (OTLP wire size) kept by this policy stay within a token bucket of {@code bytes_per_second} with
 * room for bursts of {@code burst_capacity}. Time is the traces' own end time.
 */
public final class BytesLimitingPolicy implements PolicyProvider<BytesLimitingPolicy.Options> {

  /**
   * @param bytesPerSecond bytes this policy may keep per second
   * @param burstCapacity the bucket size; default twice {@code bytes_per_second}
   */
  public record Options(Long bytesPerSecond, Long burstCapacity) {
    public Options {
      if (bytesPerSecond == null || bytesPerSecond < 1) {
        throw new IllegalArgumentException(
            "bytes_per_second: "
                + (bytesPerSecond == null ? "missing" : bytesPerSecond)
                + " (expected: >= 1)");
      }
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

  @Override
  public String type() {
    return "bytes_limiting";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Policy create(Options o) {
    SpanBudget budget = new SpanBudget(o.bytesPerSecond(), o.burstCapacity());
    String limit = "<= " + o.bytesPerSecond() + " bytes/s (burst " + o.burstCapacity() + ")";
    return trace -> {
      long bytes = trace.fragments().stream().mapToLong(ResourceSpans::getSerializedSize).sum();
      Evidence e = Evidence.ofTrace("trace bytes", Long.toString(bytes), limit);
      return budget.take(trace.endEpochNanos(), bytes)
          ? Verdict.keep("within the byte limit of " + o.bytesPerSecond() + " bytes/s", e)
          : Verdict.noOpinion("over the byte limit of " + o.bytesPerSecond() + " bytes/s", e);
    };
  }
}
