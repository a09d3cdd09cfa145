package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.Verdict;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.Optional;

/**
 * The {@code boolean_attribute} policy type (as the Collector's): keeps a trace in which any span,
 * resource or scope has boolean attribute {@code key} equal to {@code value}; with {@code
 * invert_match}, the traces where none does.
 */
public final class BooleanAttributePolicy
    implements PolicyProvider<BooleanAttributePolicy.Options> {

  /**
   * @param key attribute to read
   * @param value the value that matches
   * @param invertMatch keep traces where no span matches; default false
   */
  public record Options(String key, Boolean value, Boolean invertMatch) {
    public Options {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException(
            "key: missing (expected: the attribute to match, e.g. app.debug)");
      }
      if (value == null) {
        throw new IllegalArgumentException("value: missing (expected: true or false)");
      }
      invertMatch = Boolean.TRUE.equals(invertMatch);
    }
  }

  @Override
  public String type() {
    return "boolean_attribute";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Policy create(Options o) {
    return trace -> {
      for (SpanView span : trace.spans()) {
        Optional<AnyValue> v = AttributeLookup.find(span, o.key());
        if (v.isPresent() && v.get().hasBoolValue() && v.get().getBoolValue() == o.value()) {
          Evidence e =
              Evidence.ofSpan(span, o.key(), Boolean.toString(o.value()), "= " + o.value());
          return o.invertMatch()
              ? Verdict.noOpinion(
                  "span " + span + " has " + o.key() + "=" + o.value() + " (inverted match)", e)
              : Verdict.keep("span " + span + " has " + o.key() + "=" + o.value(), e);
        }
      }
      Evidence none = Evidence.ofTrace(o.key(), "no span matched", "= " + o.value());
      return o.invertMatch()
          ? Verdict.keep("no span has " + o.key() + "=" + o.value() + " (inverted match)", none)
          : Verdict.noOpinion("no span has " + o.key() + "=" + o.value(), none);
    };
  }
}
