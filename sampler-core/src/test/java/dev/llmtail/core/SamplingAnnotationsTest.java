package dev.llmtail.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The decision attributes appended to encoded spans read back as those added to messages. */
class SamplingAnnotationsTest {

  /**
   * Two scopes, a schema URL between them, an empty span, a field this proto version does not know,
   * and a span whose length prefix grows by a byte when the attributes are appended.
   */
  private static ResourceSpans fragment(int promptLength) {
    Span prompt =
        Span.newBuilder()
            .setName("chat gpt-4o")
            .setTraceId(ByteString.copyFrom(new byte[16]))
            .addAttributes(
                KeyValue.newBuilder()
                    .setKey("gen_ai.prompt")
                    .setValue(AnyValue.newBuilder().setStringValue("p".repeat(promptLength))))
            .build();
    Span unknown =
        Span.newBuilder()
            .setName("tool search")
            .setUnknownFields(
                UnknownFieldSet.newBuilder()
                    .addField(
                        99,
                        UnknownFieldSet.Field.newBuilder()
                            .addLengthDelimited(ByteString.copyFromUtf8("future"))
                            .build())
                    .build())
            .build();
    return ResourceSpans.newBuilder()
        .setResource(
            Resource.newBuilder()
                .addAttributes(
                    KeyValue.newBuilder()
                        .setKey("service.name")
                        .setValue(AnyValue.newBuilder().setStringValue("chat"))))
        .addScopeSpans(
            ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName("openinference"))
                .addSpans(prompt)
                .addSpans(Span.getDefaultInstance()))
        .setSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(unknown).setSchemaUrl("s"))
        .build();
  }

  @ParameterizedTest(name = "prompt of {0} characters")
  @ValueSource(ints = {0, 60, 100, 16_300, 70_000})
  void annotatingEncodedSpansReadsBackAsAnnotatingTheMessages(int promptLength) throws Exception {
    ResourceSpans fragment = fragment(promptLength);
    for (boolean late : new boolean[] {false, true}) {
      for (boolean promoted : new boolean[] {false, true}) {
        List<byte[]> encoded =
            SamplingAnnotations.annotateEncoded(
                List.of(fragment.toByteArray()), "kept by errors", 2.5, late, promoted);

        assertThat(ResourceSpans.parseFrom(encoded.get(0)))
            .isEqualTo(
                SamplingAnnotations.annotate(
                        List.of(fragment), "kept by errors", 2.5, late, promoted)
                    .get(0));
      }
    }
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {1, 3})
  void bytesThatAreNotResourceSpansAreNamedInTheError(int length) {
    byte[] truncated = new byte[length];
    truncated[0] = 0x12; // scope_spans, length-delimited, then too few bytes
    if (length > 1) {
      truncated[1] = 0x7f;
    }
    assertThatThrownBy(
            () -> SamplingAnnotations.annotateEncoded(List.of(truncated), "r", 1, false, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an encoded ResourceSpans (" + length + " bytes)");
  }
}
