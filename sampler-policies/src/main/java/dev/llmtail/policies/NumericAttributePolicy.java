package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.Verdict;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.Optional;

/**
 * The {@code numeric_attribute} policy type (as the Collector's): keeps a trace in which any span,
 * resource or scope has attribute {@code key} with a number between {@code min_value} and {@code
 * max_value} (inclusive; either may be left out). With {@code invert_match} it keeps the traces
 * where none does. Non-numeric values never match.
 */
public final class NumericAttributePolicy
    implements PolicyProvider<NumericAttributePolicy.Options> {

  /**
   * @param key attribute to read
   * @param minValue lowest matching value
   * @param maxValue highest matching value
   * @param invertMatch keep traces where no span matches; default false
   */
  public record Options(String key, Double minValue, Double maxValue, Boolean invertMatch) {
    public Options {
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

  @Override
  public String type() {
    return "numeric_attribute";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Policy create(Options o) {
    double min = o.minValue() == null ? Double.NEGATIVE_INFINITY : o.minValue();
    double max = o.maxValue() == null ? Double.POSITIVE_INFINITY : o.maxValue();
    String range =
        "["
            + (o.minValue() == null ? "-∞" : o.minValue())
            + ", "
            + (o.maxValue() == null ? "∞" : o.maxValue())
            + "]";
    return trace -> {
      for (SpanView span : trace.spans()) {
        Optional<AnyValue> v = AttributeLookup.find(span, o.key());
        Double n = v.map(NumericAttributePolicy::number).orElse(null);
        if (n != null && n >= min && n <= max) {
          Evidence e = Evidence.ofSpan(span, o.key(), AttributeLookup.text(v.get()), "in " + range);
          return o.invertMatch()
              ? Verdict.noOpinion(
                  "span "
                      + span
                      + " has "
                      + o.key()
                      + "="
                      + AttributeLookup.text(v.get())
                      + " (inverted match)",
                  e)
              : Verdict.keep(
                  "span "
                      + span
                      + " has "
                      + o.key()
                      + "="
                      + AttributeLookup.text(v.get())
                      + ", in "
                      + range,
                  e);
        }
      }
      Evidence none = Evidence.ofTrace(o.key(), "no span in range", "in " + range);
      return o.invertMatch()
          ? Verdict.keep("no span has " + o.key() + " in " + range + " (inverted match)", none)
          : Verdict.noOpinion("no span has " + o.key() + " in " + range, none);
    };
  }

  private static Double number(AnyValue v) {
    if (v.hasIntValue()) {
      return (double) v.getIntValue();
    }
    return v.hasDoubleValue() ? v.getDoubleValue() : null;
  }
}
