package dev.llmtail.policies.genai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;

/**
 * OTLP {@link AnyValue}s (log bodies) as JSON, so captured messages read the same from any source.
 */
final class AnyValues {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int MAX_DEPTH = 16;

  private AnyValues() {}

  static String toJson(AnyValue value) {
    return json(value, 0).toString();
  }

  private static JsonNode json(AnyValue v, int depth) {
    if (depth > MAX_DEPTH) {
      return NODES.nullNode();
    }
    return switch (v.getValueCase()) {
      case STRING_VALUE -> NODES.textNode(v.getStringValue());
      case INT_VALUE -> NODES.numberNode(v.getIntValue());
      case DOUBLE_VALUE -> NODES.numberNode(v.getDoubleValue());
      case BOOL_VALUE -> NODES.booleanNode(v.getBoolValue());
      case ARRAY_VALUE -> {
        ArrayNode a = NODES.arrayNode();
        v.getArrayValue().getValuesList().forEach(item -> a.add(json(item, depth + 1)));
        yield a;
      }
      case KVLIST_VALUE -> {
        ObjectNode o = NODES.objectNode();
        for (KeyValue kv : v.getKvlistValue().getValuesList()) {
          o.set(kv.getKey(), json(kv.getValue(), depth + 1));
        }
        yield o;
      }
      default -> NODES.nullNode();
    };
  }
}
