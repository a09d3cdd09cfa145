package dev.llmtail.policies.genai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every attribute list of the recorded corpus (every dialect's spans, events and resources), read
 * through the normaliser's view by slot, gives what a scan of the list by key name gives: a key
 * filed in the wrong slot, or a fact read from another key's slot, shows here.
 */
class RecordedKeysTest {

  private static final Path CORPUS = Path.of("..", "src-test-fixtures", "recorded");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyRecordedAttributeReadsTheSameBySlotAsByScanning() throws Exception {
    List<List<KeyValue>> lists = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(CORPUS)) {
      for (Path file : walk.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        collect(JSON.readTree(file.toFile()), lists);
      }
    }
    int genAi = 0;
    for (List<KeyValue> attributes : lists) {
      List<String> bySlot = new ArrayList<>();
      List<String> byName = new ArrayList<>();
      SpanAttributes filed = new SpanAttributes(attributes, bySlot::add);
      SpanAttributes scanned = SpanAttributes.scanning(attributes, byName::add);
      for (String key : GenAiKeys.names()) {
        GenAiKeys.Keys one = GenAiKeys.keys(key);
        assertThat(filed.has(one)).as(key).isEqualTo(scanned.has(key));
        assertThat(filed.text(one)).as(key).isEqualTo(scanned.text(key));
        assertThat(filed.whole(one)).as(key).isEqualTo(scanned.whole(key));
        assertThat(filed.number(one)).as(key).isEqualTo(scanned.number(key));
        assertThat(filed.flag(one)).as(key).isEqualTo(scanned.flag(key));
        assertThat(filed.list(one)).as(key).isEqualTo(scanned.list(key));
        genAi += filed.has(one) ? 1 : 0;
      }
      assertThat(bySlot).isEqualTo(byName);
    }
    assertThat(lists).hasSizeGreaterThan(1000);
    assertThat(genAi).as("GenAI attributes read").isGreaterThan(1000);
  }

  /** Every {@code attributes} array under {@code node}, as OTLP JSON writes them. */
  private static void collect(JsonNode node, List<List<KeyValue>> out) {
    if (node.isObject()) {
      JsonNode attributes = node.get("attributes");
      if (attributes != null && attributes.isArray()) {
        List<KeyValue> list = new ArrayList<>();
        for (JsonNode kv : attributes) {
          list.add(
              KeyValue.newBuilder()
                  .setKey(kv.path("key").asText())
                  .setValue(value(kv.path("value")))
                  .build());
        }
        out.add(list);
      }
    }
    for (JsonNode child : node) {
      collect(child, out);
    }
  }

  private static AnyValue value(JsonNode v) {
    AnyValue.Builder b = AnyValue.newBuilder();
    if (v.has("stringValue")) {
      b.setStringValue(v.get("stringValue").asText());
    } else if (v.has("intValue")) {
      b.setIntValue(Long.parseLong(v.get("intValue").asText()));
    } else if (v.has("doubleValue")) {
      b.setDoubleValue(v.get("doubleValue").asDouble());
    } else if (v.has("boolValue")) {
      b.setBoolValue(v.get("boolValue").asBoolean());
    } else if (v.has("arrayValue")) {
      ArrayValue.Builder a = ArrayValue.newBuilder();
      for (JsonNode item : v.get("arrayValue").path("values")) {
        a.addValues(value(item));
      }
      b.setArrayValue(a);
    }
    return b.build();
  }
}
