package dev.llmtail.policies;

import dev.llmtail.core.SpanView;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;
import java.util.Optional;

/**
 * Finds an attribute as the Collector's attribute policies do: on the span, then on its resource,
 * then on its instrumentation scope.
 */
final class AttributeLookup {

  private AttributeLookup() {}

  static Optional<AnyValue> find(SpanView span, String key) {
    Optional<AnyValue> v = span.attribute(key);
    if (v.isPresent()) {
      return v;
    }
    v = span.resourceAttribute(key);
    return v.isPresent() ? v : in(span.scope().getAttributesList(), key);
  }

  private static Optional<AnyValue> in(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return Optional.of(kv.getValue());
      }
    }
    return Optional.empty();
  }

  /**
   * The value as the text a person would write in config ({@code 42}, {@code true}, {@code
   * gpt-4o}).
   */
  static String text(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> Long.toString(v.getIntValue());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      default -> v.toString().trim();
    };
  }
}
