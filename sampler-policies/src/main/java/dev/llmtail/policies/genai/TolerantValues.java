package dev.llmtail.policies.genai;

import io.opentelemetry.proto.common.v1.AnyValue;
import org.jspecify.annotations.Nullable;

/**
 * One attribute value read as the dialects write it: numbers as ints, doubles or strings ({@code
 * "123"} in Spring AI), booleans as bools or strings. Null when the value is not of the wanted
 * type; never throws.
 */
final class TolerantValues {

  private TolerantValues() {}

  /** {@code v} as text: {@code ""} if blank or not a scalar, else trimmed. */
  static String text(AnyValue v) {
    String s = untrimmed(v);
    return s.isBlank() ? "" : s.trim();
  }

  static String untrimmed(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> Long.toString(v.getIntValue());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      default -> "";
    };
  }

  static @Nullable Long whole(AnyValue v) {
    return switch (v.getValueCase()) {
      case INT_VALUE -> v.getIntValue();
      case DOUBLE_VALUE -> {
        double d = v.getDoubleValue();
        yield d == Math.rint(d) && !Double.isInfinite(d) ? (long) d : null;
      }
      case STRING_VALUE -> {
        try {
          yield Long.parseLong(v.getStringValue().trim());
        } catch (NumberFormatException e) {
          yield null;
        }
      }
      default -> null;
    };
  }

  static @Nullable Double number(AnyValue v) {
    return switch (v.getValueCase()) {
      case INT_VALUE -> (double) v.getIntValue();
      case DOUBLE_VALUE -> v.getDoubleValue();
      case STRING_VALUE -> {
        try {
          yield Double.parseDouble(v.getStringValue().trim());
        } catch (NumberFormatException e) {
          yield null;
        }
      }
      default -> null;
    };
  }

  static @Nullable Boolean flag(AnyValue v) {
    if (v.hasBoolValue()) {
      return v.getBoolValue();
    }
    String s = v.hasStringValue() ? v.getStringValue().trim() : "";
    return (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))
        ? Boolean.parseBoolean(s)
        : null;
  }
}
