package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.Optional;

/**
 * The {@code boolean_attribute} policy type (as the Collector's): keeps a trace in which any span,
 * resource or scope has boolean attribute {@code key} equal to {@code value}; with {@code
 * invert_match}, the traces where none does.
 */
final class BooleanAttributePolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("boolean_attribute", Options.class, BooleanAttributePolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param key attribute to read
   * @param value the value that matches
   * @param invertMatch keep traces where no span matches; default false
   */
  record Options(String key, Boolean value, Boolean invertMatch) {
    Options {
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

  private final Options o;

  BooleanAttributePolicy(Options options) {
    this.o = options;
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    for (SpanView span : trace.spans()) {
      Optional<AnyValue> v = AttributeLookup.find(span, o.key());
      if (v.isPresent() && v.get().hasBoolValue() && v.get().getBoolValue() == o.value()) {
        return InvertibleMatch.matched(
            o.invertMatch(),
            "span " + span + " has " + o.key() + "=" + o.value(),
            "",
            Evidence.ofSpan(span, o.key(), Boolean.toString(o.value()), "= " + o.value()));
      }
    }
    return InvertibleMatch.unmatched(
        o.invertMatch(),
        "no span has " + o.key() + "=" + o.value(),
        Evidence.ofTrace(o.key(), "no span matched", "= " + o.value()));
  }
}
