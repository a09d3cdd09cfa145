package dev.llmtail.policies.genai;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.llmtail.core.CapturedPrompt;
import dev.llmtail.core.SpanView;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A call's output read from the UTF-8 bytes the decoder keeps reads what it read as the text the
 * span attributes returned: the same text, refusal, finish reasons and turns, whatever the captured
 * value (JSON, cut short, plain text, blank, white space of every kind around it, redacted, a
 * number, an opening brace and a NUL that a byte parser could take for UTF-16) and whichever of the
 * output keys hold it, or the flattened output messages of either dialect.
 */
class CapturedBytesPropertiesTest {

  private static final String[] OUTPUT_KEYS = {
    "gen_ai.output.messages", "output.value", "ai.response.text", "gen_ai.completion"
  };

  private static final String[] JSON = {
    "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Hi ü 😀\"}],"
        + "\"finish_reason\":\"stop\"}]",
    "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,"
        + "\"refusal\":\"I can’t help with that.\"},\"finish_reason\":\"stop\"}]}",
    "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"c\"}]},\"finishReason\":\"STOP\"}]}",
    "[{\"role\":\"assistant\",\"content\":\"cut sh",
    "[{\"role\":\"assistant\"}] trailing",
    "{\u0000\u0000\u0000}\u0000\u0000\u0000",
    "[\u0000]",
    "{}",
    "[]",
    "__REDACTED__",
    "plain text, not JSON İ ß",
  };

  private static final String[] AROUND = {
    "", " ", "\n\t ", "\u0001", "\u3000", "\u00a0", "\u2028", "\u001c", "\r\n"
  };

  @Property(tries = 2000)
  void readsTheBytesAsItReadTheText(
      @ForAll("captures") List<AnyValue> values,
      @ForAll("captures") List<AnyValue> flattened,
      @ForAll boolean openInference) {
    List<KeyValue> attributes = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      attributes.add(
          KeyValue.newBuilder()
              .setKey(OUTPUT_KEYS[i % OUTPUT_KEYS.length])
              .setValue(values.get(i))
              .build());
    }
    for (int i = 0; i < flattened.size(); i++) {
      String key =
          openInference
              ? "llm.output_messages." + i + ".message.content"
              : "gen_ai.completion." + i + ".content";
      attributes.add(KeyValue.newBuilder().setKey(key).setValue(flattened.get(i)).build());
    }
    Span span = Span.newBuilder().setName("chat").addAllAttributes(attributes).build();
    SpanView s = new SpanView(span, Resource.getDefaultInstance(), scope());

    MessageText.Read expected =
        MessageText.read(asText(new SpanAttributes(span.getAttributesList(), k -> {})));
    MessageText.Read asBytes =
        CapturedText.output(s, new SpanAttributes(lazy(span).getAttributesList(), k -> {}), "");

    assertThat(asBytes).as("%s", values).isEqualTo(expected);
  }

  @Property(tries = 1000)
  void readsTheRequestFromTheBytesAsFromTheText(
      @ForAll("captures") List<AnyValue> values, @ForAll boolean withSystem) {
    String[] inputKeys = {
      "gen_ai.input.messages", "input.value", "ai.prompt.messages", "ai.prompt", "gen_ai.prompt"
    };
    Span.Builder builder = Span.newBuilder().setName("chat");
    for (int i = 0; i < values.size(); i++) {
      builder.addAttributes(
          KeyValue.newBuilder().setKey(inputKeys[i % inputKeys.length]).setValue(values.get(i)));
    }
    if (withSystem) {
      builder.addAttributes(text("gen_ai.system_instructions", " be brief ü "));
    }
    Span span = builder.build();
    SpanView s = new SpanView(span, Resource.getDefaultInstance(), scope());
    SpanAttributes a = new SpanAttributes(span.getAttributesList(), k -> {});
    String input = a.text(inputKeys);
    input = input.equals("__REDACTED__") ? "" : input;
    String system = withSystem ? "be brief ü" : "";

    CapturedPrompt asBytes =
        CapturedText.request(s, new SpanAttributes(lazy(span).getAttributesList(), k -> {}), "");

    assertThat(asBytes)
        .as("%s", values)
        .isEqualTo(CapturedPrompt.of(MessageText.cap(input), RequestDigest.of(system, input)));
  }

  @Example
  void capsPlainTextAtTheLimitWhateverItsCharacters() {
    for (String text :
        List.of(
            "x".repeat(MessageText.MAX_CHARS + 10),
            "x".repeat(MessageText.MAX_CHARS - 2) + "üüüü",
            "x" + "ü".repeat(MessageText.MAX_CHARS + 1),
            "x".repeat(MessageText.MAX_CHARS))) {
      Utf8Text bytes = Utf8Text.trimmed(bytesValue(text));
      assertThat(bytes).isNotNull();
      assertThat(MessageText.read(bytes)).isEqualTo(MessageText.read(text));
    }
  }

  /** The output as it was read before the bytes: the first non-blank key's text. */
  private static String asText(SpanAttributes a) {
    String direct = a.text(OUTPUT_KEYS);
    if (direct.equals("__REDACTED__")) {
      direct = "";
    }
    if (!direct.isEmpty()) {
      return direct;
    }
    List<String> flat = a.indexed("gen_ai.completion.", "content");
    if (flat.isEmpty()) {
      flat = a.indexed("llm.output_messages.", "message.content");
    }
    return flat.isEmpty() ? "" : String.join("\n", flat);
  }

  @Provide
  Arbitrary<List<AnyValue>> captures() {
    Arbitrary<String> core =
        Arbitraries.oneOf(
            Arbitraries.of(JSON),
            Arbitraries.of(JSON).map(j -> j.substring(0, j.length() / 2)),
            Arbitraries.strings().all().ofMaxLength(6).map(CapturedBytesPropertiesTest::valid));
    Arbitrary<String> captured =
        net.jqwik.api.Combinators.combine(
                Arbitraries.of(AROUND), core, Arbitraries.of(AROUND), Arbitraries.of(AROUND))
            .as((before, c, after, more) -> before + more + c + after);
    Arbitrary<AnyValue> value =
        Arbitraries.oneOf(
            captured.map(CapturedBytesPropertiesTest::bytesValue),
            captured.map(CapturedBytesPropertiesTest::bytesValue),
            captured.map(CapturedBytesPropertiesTest::bytesValue),
            Arbitraries.longs().map(l -> AnyValue.newBuilder().setIntValue(l).build()),
            Arbitraries.just(AnyValue.getDefaultInstance()));
    return value.list().ofMinSize(0).ofMaxSize(5);
  }

  /** What protobuf's encoding makes of the text: lone surrogates become {@code ?}. */
  private static String valid(String s) {
    return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  private static AnyValue bytesValue(String text) {
    return AnyValue.newBuilder().setStringValue(text).build();
  }

  /**
   * The span with its string values held as the decoder holds long ones: bytes wrapped inside a
   * larger array, not yet a {@code String}.
   */
  private static Span lazy(Span span) {
    Span.Builder out = span.toBuilder().clearAttributes();
    for (KeyValue kv : span.getAttributesList()) {
      AnyValue v = kv.getValue();
      if (v.hasStringValue()) {
        byte[] utf8 = v.getStringValue().getBytes(StandardCharsets.UTF_8);
        byte[] inside = new byte[utf8.length + 6];
        System.arraycopy(utf8, 0, inside, 3, utf8.length);
        inside[0] = '[';
        inside[inside.length - 1] = '{';
        ByteString wrapped = UnsafeByteOperations.unsafeWrap(inside, 3, utf8.length);
        v = AnyValue.newBuilder().setStringValueBytes(wrapped).build();
      }
      out.addAttributes(kv.toBuilder().setValue(v));
    }
    return out.build();
  }

  private static KeyValue text(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(bytesValue(value)).build();
  }

  private static InstrumentationScope scope() {
    return InstrumentationScope.newBuilder().setName("test").build();
  }
}
