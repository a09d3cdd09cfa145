package dev.llmtail.core.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@link FragmentDecoder} returns what {@code ResourceSpans.parseFrom} returns, or throws when it
 * throws: over generated fragments of every value kind, with unknown fields, repeated embedded
 * messages, damaged and arbitrary bytes, and values nested up to protobuf's limit.
 */
class FragmentDecoderTest {

  @Property(tries = 400)
  void decodesGeneratedFragmentsLikeProtobuf(@ForAll("fragments") ResourceSpans fragment)
      throws Exception {
    byte[] bytes = fragment.toByteArray();
    assertThat(new FragmentDecoder().decode(bytes)).isEqualTo(ResourceSpans.parseFrom(bytes));
  }

  @Property(tries = 200)
  void decodesSeveralFragmentsInARowWithOneDecoder(
      @ForAll("fragmentLists") List<ResourceSpans> fragments) throws Exception {
    FragmentDecoder decoder = new FragmentDecoder();
    for (ResourceSpans fragment : fragments) {
      byte[] bytes = fragment.toByteArray();
      assertThat(decoder.decode(bytes)).isEqualTo(ResourceSpans.parseFrom(bytes));
    }
  }

  @Property(tries = 200)
  void mergesConcatenatedFragmentsLikeProtobuf(
      @ForAll("fragments") ResourceSpans first, @ForAll("fragments") ResourceSpans second)
      throws Exception {
    // Protobuf merges repeated embedded messages (resource, scope, status, a value) field by field.
    byte[] both = concat(first.toByteArray(), second.toByteArray());
    assertSameOutcome(both);
  }

  @Property(tries = 400)
  void damagedFragmentsFailExactlyWhenProtobufFails(
      @ForAll("fragments") ResourceSpans fragment,
      @ForAll @IntRange(min = 0, max = 10_000) int at,
      @ForAll byte replacement,
      @ForAll boolean cut)
      throws Exception {
    byte[] bytes = fragment.toByteArray();
    if (bytes.length == 0) {
      return;
    }
    int i = at % bytes.length;
    byte[] damaged = cut ? Arrays.copyOf(bytes, i) : bytes.clone();
    if (!cut) {
      damaged[i] = replacement;
    }
    assertSameOutcome(damaged);
  }

  @Property(tries = 300)
  void arbitraryBytesFailExactlyWhenProtobufFails(@ForAll @Size(max = 256) byte[] bytes)
      throws Exception {
    assertSameOutcome(bytes);
  }

  @Property(tries = 60)
  void nestsValuesExactlyAsDeepAsProtobufAllows(
      @ForAll @IntRange(min = 90, max = 102) int depth, @ForAll boolean inEvent) {
    AnyValue value = AnyValue.newBuilder().setStringValue("leaf").build();
    for (int i = 0; i < depth; i++) {
      value = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(value)).build();
    }
    KeyValue deep = KeyValue.newBuilder().setKey("deep").setValue(value).build();
    Span.Builder span = Span.newBuilder().setName("s");
    if (inEvent) {
      span.addEvents(Span.Event.newBuilder().setName("e").addAttributes(deep));
    } else {
      span.addAttributes(deep);
    }
    ResourceSpans fragment =
        ResourceSpans.newBuilder()
            .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))
            .setResource(Resource.newBuilder().addAttributes(deep))
            .build();
    assertSameOutcome(fragment.toByteArray());
  }

  @Test
  void keepsUnknownFieldsAsProtobufDoes() throws Exception {
    UnknownFieldSet unknown =
        UnknownFieldSet.newBuilder()
            .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(7).build())
            .build();
    ResourceSpans fragment =
        ResourceSpans.newBuilder()
            .addScopeSpans(
                ScopeSpans.newBuilder()
                    .addSpans(
                        Span.newBuilder()
                            .setName("with unknown")
                            .addAttributes(
                                KeyValue.newBuilder()
                                    .setKey("k")
                                    .setValue(
                                        AnyValue.newBuilder()
                                            .setStringValue("v")
                                            .setUnknownFields(unknown)))
                            .setUnknownFields(unknown)))
            .build();
    assertThat(new FragmentDecoder().decode(fragment.toByteArray())).isEqualTo(fragment);
  }

  @Test
  void refusesInvalidUtf8AsProtobufDoes() {
    byte[] name = "naXe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] bytes =
        ResourceSpans.newBuilder()
            .addScopeSpans(
                ScopeSpans.newBuilder().addSpans(Span.newBuilder().setNameBytes(copy(name))))
            .build()
            .toByteArray();
    int at = indexOf(bytes, name) + 2;
    bytes[at] = (byte) 0xC3; // a lead byte followed by an ASCII byte: not UTF-8
    assertThatThrownBy(() -> ResourceSpans.parseFrom(bytes))
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> new FragmentDecoder().decode(bytes))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void refusesInvalidUtf8InALongValueAsProtobufDoes() {
    String text = "x".repeat(FragmentDecoder.LAZY_FROM) + "naXe";
    byte[] bytes = oneAttribute("gen_ai.output.messages", text).toByteArray();
    int at = indexOf(bytes, "naXe".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) + 2;
    bytes[at] = (byte) 0xC3;
    assertThatThrownBy(() -> ResourceSpans.parseFrom(bytes))
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> new FragmentDecoder().decode(bytes))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void readsALongValueKeptAsBytesAsItsText() throws Exception {
    String text = "prompt ü 😀 ".repeat(FragmentDecoder.LAZY_FROM / 8);
    AnyValue value =
        new FragmentDecoder()
            .decode(oneAttribute("input.value", text).toByteArray())
            .getScopeSpans(0)
            .getSpans(0)
            .getAttributes(0)
            .getValue();
    assertThat(value.getStringValueBytes().toStringUtf8()).isEqualTo(text);
    assertThat(value.getStringValue()).isEqualTo(text);
    assertThat(value.getStringValueBytes().toStringUtf8()).isEqualTo(text);
  }

  @Test
  void sharesTheShortStringsOfSpansDecodedApart() throws Exception {
    ResourceSpans fragment =
        ResourceSpans.newBuilder()
            .addScopeSpans(
                ScopeSpans.newBuilder()
                    .addSpans(Span.newBuilder().setName("chat").addAttributes(kv("gen_ai.system")))
                    .addSpans(Span.newBuilder().setName("chat").addAttributes(kv("gen_ai.system"))))
            .build();
    byte[] bytes = fragment.toByteArray();
    Span first = new FragmentDecoder().decode(bytes).getScopeSpans(0).getSpans(0);
    Span second = new FragmentDecoder().decode(bytes).getScopeSpans(0).getSpans(1);
    assertThat(second.getName()).isSameAs(first.getName());
    assertThat(second.getAttributes(0).getKey()).isSameAs(first.getAttributes(0).getKey());
  }

  private static void assertSameOutcome(byte[] bytes) {
    ResourceSpans expected;
    try {
      expected = ResourceSpans.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      assertThatThrownBy(() -> new FragmentDecoder().decode(bytes))
          .as("protobuf refused it: %s", e.getMessage())
          .isInstanceOf(InvalidProtocolBufferException.class);
      return;
    }
    try {
      assertThat(new FragmentDecoder().decode(bytes)).isEqualTo(expected);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("protobuf parsed what the decoder refused: " + e, e);
    }
  }

  @Provide
  Arbitrary<List<ResourceSpans>> fragmentLists() {
    return fragments().list().ofMinSize(2).ofMaxSize(4);
  }

  @Provide
  Arbitrary<ResourceSpans> fragments() {
    Arbitrary<Resource> resource =
        attributes().map(a -> Resource.newBuilder().addAllAttributes(a).build());
    Arbitrary<InstrumentationScope> scope =
        Combinators.combine(text(), text())
            .as((n, v) -> InstrumentationScope.newBuilder().setName(n).setVersion(v).build());
    Arbitrary<ScopeSpans> scopeSpans =
        Combinators.combine(scope.optional(0.7), spans().list().ofMaxSize(4), text())
            .as(
                (s, spans, url) -> {
                  ScopeSpans.Builder b = ScopeSpans.newBuilder().addAllSpans(spans);
                  s.ifPresent(b::setScope);
                  return b.setSchemaUrl(url).build();
                });
    return Combinators.combine(resource.optional(0.8), scopeSpans.list().ofMaxSize(3), text())
        .as(
            (r, ss, url) -> {
              ResourceSpans.Builder b = ResourceSpans.newBuilder().addAllScopeSpans(ss);
              r.ifPresent(b::setResource);
              return b.setSchemaUrl(url).build();
            });
  }

  private Arbitrary<Span> spans() {
    Arbitrary<ByteString> id =
        Arbitraries.of(0, 8, 16, 3)
            .flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n))
            .map(ByteString::copyFrom);
    Arbitrary<Status> status =
        Combinators.combine(text(), Arbitraries.of(0, 1, 2, 9))
            .as((m, c) -> Status.newBuilder().setMessage(m).setCodeValue(c).build());
    Arbitrary<Span.Event> event =
        Combinators.combine(text(), attributes(), Arbitraries.longs())
            .as(
                (n, a, t) ->
                    Span.Event.newBuilder()
                        .setName(n)
                        .addAllAttributes(a)
                        .setTimeUnixNano(t)
                        .build());
    Arbitrary<Span.Link> link =
        Combinators.combine(id, id, attributes())
            .as(
                (t, s, a) ->
                    Span.Link.newBuilder().setTraceId(t).setSpanId(s).addAllAttributes(a).build());
    Arbitrary<Span.Builder> ids =
        Combinators.combine(id, id, id, text(), text(), Arbitraries.of(0, 1, 3, 42))
            .as(
                (t, s, p, state, name, kind) ->
                    Span.newBuilder()
                        .setTraceId(t)
                        .setSpanId(s)
                        .setParentSpanId(p)
                        .setTraceState(state)
                        .setName(name)
                        .setKindValue(kind));
    return Combinators.combine(
            ids,
            Arbitraries.longs(),
            Arbitraries.longs(),
            attributes(),
            event.list().ofMaxSize(2),
            link.list().ofMaxSize(2),
            status.optional(0.6),
            Arbitraries.integers())
        .as(
            (b, start, end, attributes, events, links, st, flags) -> {
              b.setStartTimeUnixNano(start)
                  .setEndTimeUnixNano(end)
                  .addAllAttributes(attributes)
                  .addAllEvents(events)
                  .addAllLinks(links)
                  .setFlags(flags)
                  .setDroppedAttributesCount(Math.abs(flags % 3))
                  .setDroppedEventsCount(Math.abs(flags % 5))
                  .setDroppedLinksCount(Math.abs(flags % 7));
              st.ifPresent(b::setStatus);
              return b.build();
            });
  }

  private Arbitrary<List<KeyValue>> attributes() {
    Arbitrary<KeyValue> withValue =
        Combinators.combine(text(), values(2))
            .as((k, v) -> KeyValue.newBuilder().setKey(k).setValue(v).build());
    Arbitrary<KeyValue> keyOnly = text().map(k -> KeyValue.newBuilder().setKey(k).build());
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(9, withValue), net.jqwik.api.Tuple.of(1, keyOnly))
        .list()
        .ofMaxSize(6);
  }

  private Arbitrary<AnyValue> values(int nesting) {
    Arbitrary<AnyValue> scalar =
        Arbitraries.oneOf(
            text().map(s -> AnyValue.newBuilder().setStringValue(s).build()),
            Arbitraries.of(true, false).map(b -> AnyValue.newBuilder().setBoolValue(b).build()),
            Arbitraries.longs().map(l -> AnyValue.newBuilder().setIntValue(l).build()),
            Arbitraries.doubles().map(d -> AnyValue.newBuilder().setDoubleValue(d).build()),
            Arbitraries.bytes()
                .array(byte[].class)
                .ofMaxSize(5)
                .map(b -> AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(b)).build()),
            Arbitraries.just(AnyValue.getDefaultInstance()));
    if (nesting == 0) {
      return scalar;
    }
    Arbitrary<AnyValue> inner = values(nesting - 1);
    return Arbitraries.oneOf(
        scalar,
        scalar,
        scalar,
        inner
            .list()
            .ofMaxSize(3)
            .map(
                l ->
                    AnyValue.newBuilder()
                        .setArrayValue(ArrayValue.newBuilder().addAllValues(l))
                        .build()),
        Combinators.combine(text(), inner)
            .as(
                (k, v) ->
                    AnyValue.newBuilder()
                        .setKvlistValue(
                            KeyValueList.newBuilder()
                                .addValues(KeyValue.newBuilder().setKey(k).setValue(v)))
                        .build()));
  }

  /**
   * Short ASCII (shared), long ASCII (decoded each time), any Unicode, surrogates included, and
   * values either side of {@link FragmentDecoder#LAZY_FROM} bytes (kept as bytes until read).
   */
  private Arbitrary<String> text() {
    return Arbitraries.oneOf(
        Arbitraries.of("", "gen_ai.system", "http.route", "chat", "stop"),
        Arbitraries.strings().ascii().ofMaxLength(20),
        Arbitraries.strings().ascii().ofMinLength(60).ofMaxLength(80),
        Arbitraries.strings().all().ofMaxLength(12),
        Arbitraries.strings()
            .ascii()
            .ofMinLength(FragmentDecoder.LAZY_FROM - 2)
            .ofMaxLength(FragmentDecoder.LAZY_FROM + 600),
        Arbitraries.strings()
            .all()
            .ofMinLength(FragmentDecoder.LAZY_FROM / 4)
            .ofMaxLength(FragmentDecoder.LAZY_FROM + 40));
  }

  /** A fragment of one span with one string attribute. */
  private static ResourceSpans oneAttribute(String key, String text) {
    KeyValue kv =
        KeyValue.newBuilder()
            .setKey(key)
            .setValue(AnyValue.newBuilder().setStringValue(text))
            .build();
    return ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder().addAttributes(kv)))
        .build();
  }

  private static KeyValue kv(String key) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue("openai"))
        .build();
  }

  private static ByteString copy(byte[] bytes) {
    return ByteString.copyFrom(bytes);
  }

  private static int indexOf(byte[] bytes, byte[] part) {
    outer:
    for (int i = 0; i + part.length <= bytes.length; i++) {
      for (int j = 0; j < part.length; j++) {
        if (bytes[i + j] != part[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
