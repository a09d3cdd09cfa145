package dev.llmtail.core.buffer;

import dev.llmtail.core.DurationFormat;
import dev.llmtail.core.SpanView;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * When one kind of trace is complete: traces whose root span matches {@code when} wait their own
 * {@code quietPeriod} and {@code maxTraceWait} instead of the buffer's (e.g. agent runs, whose
 * turns pause longer between spans). A rule can only apply once the root span arrived; until then
 * the buffer's timing does. The first matching rule wins.
 *
 * <p>Equality is the condition's text and the two durations: a compiled condition has none of its
 * own, and a reloaded file with the same rules asks for nothing new.
 *
 * @param when the condition as configured (what {@code /debug} shows)
 * @param matches the compiled condition over the root span and its resource; must not throw
 */
public record CompletionRule(
    String when, Predicate<SpanView> matches, Duration quietPeriod, Duration maxTraceWait) {

  public CompletionRule {
    Objects.requireNonNull(when, "when");
    Objects.requireNonNull(matches, "matches");
    Objects.requireNonNull(quietPeriod, "quietPeriod");
    Objects.requireNonNull(maxTraceWait, "maxTraceWait");
    if (quietPeriod.isNegative() || quietPeriod.isZero()) {
      throw new IllegalArgumentException(
          "quiet_period: "
              + DurationFormat.format(quietPeriod)
              + " (expected: a duration > 0, e.g. 60s)");
    }
    if (maxTraceWait.compareTo(quietPeriod) < 0) {
      throw new IllegalArgumentException(
          "max_trace_wait: %s is shorter than quiet_period %s (expected: max_trace_wait >= quiet_period)"
              .formatted(DurationFormat.format(maxTraceWait), DurationFormat.format(quietPeriod)));
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CompletionRule r
        && when.equals(r.when)
        && quietPeriod.equals(r.quietPeriod)
        && maxTraceWait.equals(r.maxTraceWait);
  }

  @Override
  public int hashCode() {
    return Objects.hash(when, quietPeriod, maxTraceWait);
  }

  @Override
  public String toString() {
    return "when "
        + when
        + ": quiet_period "
        + DurationFormat.format(quietPeriod)
        + ", max_trace_wait "
        + DurationFormat.format(maxTraceWait);
  }
}
