package dev.llmtail.core;

import java.util.Objects;

/**
 * What a policy looked at to reach its verdict: the span (hex id, may be empty for trace-level
 * facts), the attribute or derived fact read, the value it had, and the threshold it was compared
 * with.
 */
public record Evidence(String spanId, String attribute, String observed, String threshold) {

  public Evidence {
    Objects.requireNonNull(spanId, "spanId");
    Objects.requireNonNull(attribute, "attribute");
    Objects.requireNonNull(observed, "observed");
    Objects.requireNonNull(threshold, "threshold");
  }

  /** Evidence about the whole trace rather than one span. */
  public static Evidence ofTrace(String fact, String observed, String threshold) {
    return new Evidence("", fact, observed, threshold);
  }

  /** Evidence read from one span. */
  public static Evidence ofSpan(
      SpanView span, String attribute, String observed, String threshold) {
    return new Evidence(span.spanIdHex(), attribute, observed, threshold);
  }
}
