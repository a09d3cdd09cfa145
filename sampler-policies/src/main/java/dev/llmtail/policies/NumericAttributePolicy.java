package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The {@code numeric_attribute} policy type (as the Collector's): keeps a trace in which any span,
 * resource or scope has attribute {@code key} with a number between {@code min_value} and {@code
 * max_value} (inclusive; either may be left out). With {@code invert_match} it keeps the traces
 * where none does. Non-numeric values never match.
 */
final class NumericAttributePolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("numeric_attribute", Options.class, NumericAttributePolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param key attribute to read
   * @param minValue lowest matching value
   * @param maxValue highest matching value
   * @param invertMatch keep traces where no span matches; default false
   */
  record Options(String key, Double minValue, Double maxValue, Boolean invertMatch) {
    Options {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException(
            "key: missing (expected: the attribute to compare, e.g. http.response.status_code)");
      }
      if (minValue == null && maxValue == null) {
        throw new IllegalArgumentException(
            "min_value: missing (expected: min_value, max_value or both)");
      }
      if (minValue != null && maxValue != null && maxValue < minValue) {
        throw new IllegalArgumentException(
            "max_value: "
                + maxValue
                + " is below min_value "
                + minValue
                + " (expected: max_value >= min_value)");
      }
      invertMatch = Boolean.TRUE.equals(invertMatch);
    }
  }

  private final Options o;
  private final double min;
  private final double max;
  private final String range;

  NumericAttributePolicy(Options options) {
    this.o = options;
    this.min = o.minValue() == null ? Double.NEGATIVE_INFINITY : o.minValue();
    this.max = o.maxValue() == null ? Double.POSITIVE_INFINITY : o.maxValue();
    this.range =
        "["
            + (o.minValue() == null ? "-∞" : o.minValue())
            + ", "
            + (o.maxValue() == null ? "∞" : o.maxValue())
            + "]";
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    for (SpanView span : trace.spans()) {
      Optional<AnyValue> v = AttributeLookup.find(span, o.key());
      Double n = v.map(NumericAttributePolicy::number).orElse(null);
      if (n != null && n >= min && n <= max) {
        String text = AttributeLookup.text(v.get());
        return InvertibleMatch.matched(
            o.invertMatch(),
            "span " + span + " has " + o.key() + "=" + text,
            ", in " + range,
            Evidence.ofSpan(span, o.key(), text, "in " + range));
      }
    }
    return InvertibleMatch.unmatched(
        o.invertMatch(),
        "no span has " + o.key() + " in " + range,
        Evidence.ofTrace(o.key(), "no span in range", "in " + range));
  }

  private static @Nullable Double number(AnyValue v) {
    if (v.hasIntValue()) {
      return (double) v.getIntValue();
    }
    return v.hasDoubleValue() ? v.getDoubleValue() : null;
  }
}
