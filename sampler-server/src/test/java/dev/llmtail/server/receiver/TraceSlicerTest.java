package dev.llmtail.server.receiver;

import static dev.llmtail.server.receiver.SliceAssertions.protobufParses;
import static dev.llmtail.server.receiver.SliceAssertions.slicerReads;
import static dev.llmtail.server.receiver.SliceAssertions.slicesLikeMessages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmtail.core.ingest.GroupedRequest;
import dev.llmtail.core.ingest.TraceSlicer;
import dev.llmtail.server.codec.OtlpJson;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TraceSlicer} reads requests as the decoder did: the same fragments as building messages
 * gave, over the recorded corpus and hand-made requests, and the same bodies refused.
 */
class TraceSlicerTest {

  private static final Path CORPUS = Path.of("..", "src-test-fixtures", "recorded");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final ByteString TRACE_1 = id(16, 1);
  private static final ByteString TRACE_2 = id(16, 2);

  private static ByteString id(int length, int last) {
    byte[] b = new byte[length];
    b[length - 1] = (byte) last;
    return ByteString.copyFrom(b);
  }

  private static Span.Builder span(ByteString traceId, int spanId, String name) {
    return Span.newBuilder()
        .setTraceId(traceId)
        .setSpanId(id(8, spanId))
        .setParentSpanId(id(8, 99))
        .setName(name)
        .setStartTimeUnixNano(1)
        .setEndTimeUnixNano(2);
  }

  @Test
  void everyRecordedTraceSlicesIntoTheFragmentsTheDecoderBuilt() throws Exception {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(CORPUS)) {
      files = walk.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    int traces = 0;
    for (Path file : files) {
      try (MappingIterator<JsonNode> objects =
          JSON.readerFor(JsonNode.class).readValues(file.toFile())) {
        while (objects.hasNext()) {
          JsonNode object = objects.next();
          if (!object.has("resourceSpans")) {
            continue;
          }
          TracesData.Builder data = TracesData.newBuilder();
          OtlpJson.merge(object, data);
          traces += slicesLikeMessages(data.build().toByteArray(), true).fragments().size();
        }
      }
    }
    assertThat(files).hasSizeGreaterThan(700);
    assertThat(traces).isGreaterThan(700);
  }

  @Test
  void groupsInterleavedTracesPerResourceAndScopeInTheOrderTheyFirstAppear() throws Exception {
    ResourceSpans first =
        ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(kv("service.name", "a")))
            .setSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
            .addScopeSpans(
                ScopeSpans.newBuilder()
                    .setScope(InstrumentationScope.newBuilder().setName("s1"))
                    .addSpans(span(TRACE_2, 1, "b1"))
                    .addSpans(span(TRACE_1, 2, "a1").clearParentSpanId()))
            .addScopeSpans(
                ScopeSpans.newBuilder()
                    .setSchemaUrl("scope-schema")
                    .addSpans(span(TRACE_1, 3, "a2"))
                    .addSpans(span(TRACE_2, 4, "b2")))
            .build();
    ResourceSpans second =
        ResourceSpans.newBuilder()
            .addScopeSpans(ScopeSpans.newBuilder().addSpans(span(TRACE_1, 5, "a3")))
            .build();
    byte[] body =
        TracesData.newBuilder()
            .addResourceSpans(first)
            .addResourceSpans(second)
            .build()
            .toByteArray();

    GroupedRequest g = slicesLikeMessages(body, true);

    assertThat(g.fragments()).extracting(f -> f.traceId().low()).containsExactly(2L, 1L, 1L);
    assertThat(g.fragments()).extracting(f -> f.spanCount()).containsExactly(2, 2, 1);
    assertThat(g.fragments().get(1).endsRoot()).isTrue();
    assertThat(g.fragments().get(1).spans().getScopeSpansList())
        .extracting(ss -> ss.getSpans(0).getName())
        .containsExactly("a1", "a2");
  }

  @Test
  void namesRejectedSpansExactlyAsBefore() throws Exception {
    Span good = span(TRACE_1, 1, "good").build();
    ResourceSpans rs =
        ResourceSpans.newBuilder()
            .addScopeSpans(
                ScopeSpans.newBuilder()
                    .addSpans(good)
                    .addSpans(good.toBuilder().setTraceId(id(4, 1)).setName("short"))
                    .addSpans(good.toBuilder().setTraceId(id(16, 0)).setName("zero"))
                    .addSpans(good.toBuilder().clearSpanId().setName("nospan"))
                    .addSpans(good.toBuilder().setParentSpanId(id(3, 1)).setName("parent")))
            .build();

    GroupedRequest g =
        slicesLikeMessages(
            TracesData.newBuilder().addResourceSpans(rs).build().toByteArray(), true);

    assertThat(g.rejectionMessage())
        .isEqualTo(
            "rejected 4 of 5 spans: span 'short' (resource_spans[0].scope_spans[0].spans[1]):"
                + " trace_id is 4 bytes (expected: 16 bytes, not all zero); span 'zero'"
                + " (resource_spans[0].scope_spans[0].spans[2]): trace_id is 16 bytes of zeros"
                + " (expected: 16 bytes, not all zero); span 'nospan'"
                + " (resource_spans[0].scope_spans[0].spans[3]): span_id is 0 bytes (expected: 8"
                + " bytes, not all zero); …");
  }

  @Test
  void repeatedResourceScopeAndSchemaFieldsMergeAsParsingDoes() throws Exception {
    // Non-canonical but valid: the resource sent in two parts, the schema url twice, an unknown
    // field; parsing merges the parts and keeps the last url; so must the fragment, parsed.
    ResourceSpans canonical =
        ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(kv("service.name", "a")))
            .addScopeSpans(ScopeSpans.newBuilder().addSpans(span(TRACE_1, 1, "x")))
            .setSchemaUrl("first")
            .build();
    ByteArrayOutputStream rs = new ByteArrayOutputStream();
    canonical.writeTo(rs);
    ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv("host.name", "h")))
        .setSchemaUrl("second")
        .build()
        .writeTo(rs);
    CodedOutputStream unknown = CodedOutputStream.newInstance(rs);
    unknown.writeUInt64(1000, 7); // an unknown field
    unknown.flush();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    CodedOutputStream request = CodedOutputStream.newInstance(body);
    request.writeByteArray(1, rs.toByteArray());
    request.flush();

    GroupedRequest g = slicesLikeMessages(body.toByteArray(), false);

    assertThat(g.fragments().get(0).spans().getResource().getAttributesCount()).isEqualTo(2);
    assertThat(g.fragments().get(0).spans().getSchemaUrl()).isEqualTo("second");
  }

  @Test
  void aResourceWithoutResourceOrScopeGetsEmptyOnesAsBefore() throws Exception {
    byte[] body = oneSpan();
    GroupedRequest g = slicesLikeMessages(body, true);
    assertThat(g.fragments().get(0).spans().hasResource()).isTrue();
    assertThat(g.fragments().get(0).spans().getScopeSpans(0).hasScope()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "span name",
        "span attribute",
        "nested array value",
        "event name",
        "link state",
        "status message",
        "resource attribute",
        "scope name",
        "scope version",
        "schema url",
        "rejected span's name"
      })
  void refusesInvalidUtf8InAnyStringFieldAsProtobufDoes(String where) throws Exception {
    byte[] body = withInvalidUtf8(where);
    assertThat(protobufParses(body)).as("protobuf refuses it").isFalse();
    assertThatThrownBy(() -> TraceSlicer.slice(body))
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessageContaining("UTF-8");
  }

  /**
   * A request with the bytes FF FE (never UTF-8) in one string field: built with a marker of the
   * same length, then patched (protobuf's builders refuse such strings).
   */
  private static byte[] withInvalidUtf8(String where) {
    byte[] body = withMarker(where, ByteString.copyFromUtf8(MARKER));
    byte[] marker = MARKER.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i = 0; i + marker.length <= body.length; i++) {
      if (java.util.Arrays.equals(body, i, i + marker.length, marker, 0, marker.length)) {
        body[i + 2] = (byte) 0xFF;
        body[i + 3] = (byte) 0xFE;
        return body;
      }
    }
    throw new AssertionError("marker not found for " + where);
  }

  private static final String MARKER = "ok#~";

  private static byte[] withMarker(String where, ByteString bad) {
    Span.Builder s = span(TRACE_1, 1, "s");
    Resource.Builder resource = Resource.newBuilder();
    InstrumentationScope.Builder scope = InstrumentationScope.newBuilder();
    ResourceSpans.Builder rs = ResourceSpans.newBuilder();
    switch (where) {
      case "span name" -> s.setNameBytes(bad);
      case "span attribute" -> s.addAttributes(KeyValue.newBuilder().setKeyBytes(bad));
      case "nested array value" ->
          s.addAttributes(
              KeyValue.newBuilder()
                  .setKey("k")
                  .setValue(
                      AnyValue.newBuilder()
                          .setArrayValue(
                              ArrayValue.newBuilder()
                                  .addValues(AnyValue.newBuilder().setStringValueBytes(bad)))));
      case "event name" -> s.addEvents(Span.Event.newBuilder().setNameBytes(bad));
      case "link state" -> s.addLinks(Span.Link.newBuilder().setTraceStateBytes(bad));
      case "status message" ->
          s.setStatus(io.opentelemetry.proto.trace.v1.Status.newBuilder().setMessageBytes(bad));
      case "resource attribute" ->
          resource.addAttributes(
              KeyValue.newBuilder()
                  .setKey("k")
                  .setValue(AnyValue.newBuilder().setStringValueBytes(bad)));
      case "scope name" -> scope.setNameBytes(bad);
      case "scope version" -> scope.setVersionBytes(bad);
      case "schema url" -> rs.setSchemaUrlBytes(bad);
      case "rejected span's name" -> s.clearTraceId().setNameBytes(bad);
      default -> throw new IllegalArgumentException(where);
    }
    return TracesData.newBuilder()
        .addResourceSpans(
            rs.setResource(resource)
                .addScopeSpans(ScopeSpans.newBuilder().setScope(scope).addSpans(s)))
        .build()
        .toByteArray();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "61", // ASCII
        "c3a9", // é
        "f09f9880", // an emoji, four bytes
        "c080", // overlong NUL
        "e080af", // overlong slash
        "eda080", // a UTF-16 surrogate
        "f4908080", // past U+10FFFF
        "c3", // cut short
        "80", // a lone continuation byte
        "efbfbf", // U+FFFF, a noncharacter but valid UTF-8
      })
  void agreesWithProtobufOnEveryKindOfUtf8(String hexName) throws Exception {
    byte[] name = java.util.HexFormat.of().parseHex(hexName);
    byte[] span =
        encode(
            o -> {
              o.writeByteArray(1, TRACE_1.toByteArray());
              o.writeByteArray(2, id(8, 1).toByteArray());
              o.writeByteArray(5, name);
            });
    byte[] scope = encode(o -> o.writeByteArray(2, span));
    byte[] resource = encode(o -> o.writeByteArray(2, scope));
    byte[] body = encode(o -> o.writeByteArray(1, resource));
    assertThat(slicerReads(body)).isEqualTo(protobufParses(body));
  }

  private interface Writes {
    void to(CodedOutputStream out) throws java.io.IOException;
  }

  private static byte[] encode(Writes writes) throws java.io.IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    writes.to(out);
    out.flush();
    return bytes.toByteArray();
  }

  @Test
  void refusesMalformedBodiesAsProtobufDoes() throws Exception {
    byte[] valid = oneSpan();
    List<byte[]> malformed =
        List.of(
            java.util.Arrays.copyOf(valid, valid.length - 1), // truncated
            new byte[] {0x00}, // tag 0
            new byte[] {0x0F}, // wire type 7
            new byte[] {0x0C}, // an end-group tag out of place
            new byte[] {0x0B, 0x08, 0x01}, // a group never closed
            new byte[] {
              0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F
            }, // -1 length
            new byte[] {
              0x08,
              (byte) 0xFF,
              (byte) 0xFF,
              (byte) 0xFF,
              (byte) 0xFF,
              (byte) 0xFF,
              (byte) 0xFF,
              (byte) 0xFF,
              (byte) 0xFF,
              (byte) 0xFF,
              (byte) 0xFF,
              0x01
            }); // varint
    for (byte[] body : malformed) {
      assertThat(protobufParses(body)).as("protobuf refuses %s", hex(body)).isFalse();
      assertThat(slicerReads(body)).as("slicer refuses %s", hex(body)).isFalse();
    }
  }

  @Test
  void refusesNestingExactlyWhereProtobufStops() throws Exception {
    int limitFound = -1;
    for (int depth = 80; depth < 110; depth++) {
      byte[] body = nested(depth);
      boolean parses = protobufParses(body);
      assertThat(slicerReads(body)).as("nesting %d", depth).isEqualTo(parses);
      if (!parses && limitFound < 0) {
        limitFound = depth;
      }
    }
    assertThat(limitFound).as("protobuf's limit was crossed").isPositive();
  }

  /** A span attribute whose value is an array in an array … {@code depth} times. */
  private static byte[] nested(int depth) {
    AnyValue v = AnyValue.newBuilder().setStringValue("deep").build();
    for (int i = 0; i < depth; i++) {
      v = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(v)).build();
    }
    return TracesData.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .addScopeSpans(
                    ScopeSpans.newBuilder()
                        .addSpans(
                            span(TRACE_1, 1, "x")
                                .addAttributes(KeyValue.newBuilder().setKey("k").setValue(v)))))
        .build()
        .toByteArray();
  }

  /** A request of one span under no resource and no scope. */
  private static byte[] oneSpan() {
    return TracesData.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(span(TRACE_1, 1, "x"))))
        .build()
        .toByteArray();
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  private static String hex(byte[] b) {
    return java.util.HexFormat.of().formatHex(b);
  }
}
