package dev.llmtail.server.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.logs.v1.LogsData;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes OTLP JSON as the spec defines it (and the Collector's file exporter writes it): protobuf
 * JSON mapping with lowerCamelCase keys and enums as integers, except that trace and span ids are
 * hex strings instead of base64.
 */
final class OtlpJson {

  private static final Set<String> ID_FIELDS = Set.of("traceId", "spanId", "parentSpanId");
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace().printingEnumsAsInts();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private OtlpJson() {}

  /** One {@code TracesData} object on one line. */
  static String tracesData(List<ResourceSpans> spans) {
    return print(TracesData.newBuilder().addAllResourceSpans(spans).build());
  }

  /** One {@code LogsData} object on one line. */
  static String logsData(List<ResourceLogs> logs) {
    return print(LogsData.newBuilder().addAllResourceLogs(logs).build());
  }

  private static String print(MessageOrBuilder data) {
    try {
      JsonNode tree = MAPPER.readTree(PRINTER.print(data));
      hexIds(tree);
      return MAPPER.writeValueAsString(tree);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("OTLP data could not be printed as JSON", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void hexIds(JsonNode node) {
    if (node instanceof ObjectNode object) {
      for (Map.Entry<String, JsonNode> field : object.properties()) {
        if (ID_FIELDS.contains(field.getKey()) && field.getValue().isTextual()) {
          byte[] raw = Base64.getDecoder().decode(field.getValue().asText());
          field.setValue(new TextNode(HexFormat.of().formatHex(raw)));
        } else {
          hexIds(field.getValue());
        }
      }
    } else if (node.isArray()) {
      node.forEach(OtlpJson::hexIds);
    }
  }
}
