package dev.llmtail.server.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
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
 * Reads and writes OTLP JSON as the spec defines it (and the Collector's file exporter writes it):
 * protobuf JSON mapping with lowerCamelCase keys and enums as integers, except that trace and span
 * ids are hex strings instead of base64. Reading also takes enum names, int64 as strings or numbers
 * and the original snake_case keys, and ignores unknown fields, as the spec asks of receivers.
 * Shared by the HTTP receiver (request bodies), the file exporter (its lines) and replay (reading
 * those lines back).
 */
public final class OtlpJson {

  private static final Set<String> ID_FIELDS = Set.of("traceId", "spanId", "parentSpanId");
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace().printingEnumsAsInts();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Set<String> ALL_ID_FIELDS =
      Set.of("traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id");

  private OtlpJson() {}

  /** One {@code TracesData} object on one line. */
  public static String tracesData(List<ResourceSpans> spans) {
    return print(TracesData.newBuilder().addAllResourceSpans(spans).build());
  }

  /** One {@code LogsData} object on one line. */
  public static String logsData(List<ResourceLogs> logs) {
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

  /**
   * Parses an OTLP JSON body into {@code builder}; throws with a message that names the problem
   * (not JSON, a field of the wrong type, an id that is not hex).
   */
  public static void merge(byte[] json, Message.Builder builder)
      throws InvalidProtocolBufferException {
    merge(json, json.length, builder);
  }

  /** As {@link #merge(byte[], Message.Builder)}, for the JSON in {@code json[0, length)}. */
  public static void merge(byte[] json, int length, Message.Builder builder)
      throws InvalidProtocolBufferException {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(json, 0, length);
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(
          "not valid JSON: "
              + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
    }
    merge(tree, builder);
  }

  /**
   * Parses one already-read OTLP JSON object (e.g. one line of a file exporter's output) into
   * {@code builder}; {@code tree} is modified (ids are rewritten). Throws naming the problem.
   */
  public static void merge(JsonNode tree, Message.Builder builder)
      throws InvalidProtocolBufferException {
    if (tree == null || !tree.isObject()) {
      throw new InvalidProtocolBufferException("expected a JSON object at the top level");
    }
    base64Ids(tree);
    PARSER.merge(tree.toString(), builder);
  }

  private static void base64Ids(JsonNode node) throws InvalidProtocolBufferException {
    if (node instanceof ObjectNode object) {
      for (Map.Entry<String, JsonNode> field : object.properties()) {
        if (ALL_ID_FIELDS.contains(field.getKey()) && field.getValue().isTextual()) {
          String hex = field.getValue().asText();
          byte[] raw;
          try {
            raw = HexFormat.of().parseHex(hex);
          } catch (IllegalArgumentException e) {
            throw new InvalidProtocolBufferException(
                field.getKey()
                    + ": '"
                    + abbreviate(hex)
                    + "' is not a hex id (expected: 32 hex"
                    + " digits for a trace id, 16 for a span id)");
          }
          field.setValue(new TextNode(Base64.getEncoder().encodeToString(raw)));
        } else {
          base64Ids(field.getValue());
        }
      }
    } else if (node.isArray()) {
      for (JsonNode element : node) {
        base64Ids(element);
      }
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "…";
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
