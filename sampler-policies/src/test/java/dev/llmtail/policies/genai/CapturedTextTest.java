package dev.llmtail.policies.genai;

import static org.assertj.core.api.Assertions.assertThat;

import com.dynatrace.hash4j.hashing.HashValue128;
import com.dynatrace.hash4j.hashing.Hashing;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.google.protobuf.UnsafeByteOperations;
import dev.llmtail.core.CapturedPrompt;
import dev.llmtail.core.SpanView;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * What makes two captured requests the same: all they sent, not only what was kept of it; and
 * flattened messages read as the JSON a tree of them printed.
 */
class CapturedTextTest {

  @Example
  void digestIsEmptyOnlyWhenNothingWasCaptured() {
    assertThat(RequestDigest.of("", "")).isEmpty();
    assertThat(RequestDigest.of("", "hi")).hasSize(32).matches("[0-9a-f]{32}");
    assertThat(RequestDigest.of("be brief", "")).hasSize(32);
  }

  @Example
  void equalRequestsHaveEqualDigests() {
    String prompt = "[{\"role\":\"user\",\"content\":\"" + "ü".repeat(9000) + "\"}]";

    assertThat(RequestDigest.of("be brief", prompt))
        .isEqualTo(RequestDigest.of("be brief", new String(prompt.toCharArray())));
  }

  @Example
  void requestsThatDifferAnywhereHaveDifferentDigests() {
    String context = "shared context ".repeat(2000);

    assertThat(RequestDigest.of("", context + "a"))
        .isNotEqualTo(RequestDigest.of("", context + "b"));
    assertThat(RequestDigest.of("be brief", context))
        .isNotEqualTo(RequestDigest.of("be long", context));
    assertThat(RequestDigest.of("ab", "c"))
        .as("where the system instructions end is part of the request")
        .isNotEqualTo(RequestDigest.of("a", "bc"));
    assertThat(RequestDigest.of("", "\uD800")).isNotEqualTo(RequestDigest.of("", "\uDC00"));
  }

  /**
   * The digest is XXH3-128 of the system instructions' UTF-8, a byte {@code 0xFF} and the input's
   * UTF-8 (a lone surrogate as its own code point), whatever the characters (surrogates alone or in
   * pairs) and wherever the chunks they are encoded in end; and an input read as the span's bytes
   * has the digest of its text, and the size of what is hashed.
   */
  @Property(tries = 300)
  void digestIsTheHashOfTheRequestsUtf8(
      @ForAll("requests") String systemInstructions, @ForAll("requests") String input) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    utf8(systemInstructions, bytes);
    bytes.write(0xFF);
    utf8(input, bytes);
    HashValue128 hash = Hashing.xxh3_128().hashBytesTo128Bits(bytes.toByteArray());
    String expected =
        systemInstructions.isEmpty() && input.isEmpty()
            ? ""
            : HexFormat.of().toHexDigits(hash.getMostSignificantBits())
                + HexFormat.of().toHexDigits(hash.getLeastSignificantBits());

    assertThat(RequestDigest.of(systemInstructions, input)).isEqualTo(expected);
    Utf8Text asBytes =
        Utf8Text.trimmed(
            io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue(input).build());
    if (asBytes != null && asBytes.string().equals(input)) {
      assertThat(RequestDigest.of(systemInstructions, asBytes)).isEqualTo(expected);
      assertThat(RequestDigest.size(systemInstructions, asBytes))
          .as("the bytes hashed, counted without hashing them")
          .isEqualTo(bytes.size());
    }
  }

  /**
   * Two prompts captured as flattened messages are the same request exactly when their digests are
   * equal, also where the messages' numbers, roles (a missing one is the user's) or contents' sizes
   * tell them apart without the digests; long contents held as bytes the decoder keeps.
   */
  @Property(tries = 500)
  void flattenedRequestsAreTheSameExactlyWhenTheirDigestsAre(
      @ForAll long seed, @ForAll boolean sameSystem) {
    Random rnd = new Random(seed);
    List<KeyValue> first = flattened(rnd, sameSystem ? "be brief" : "be long");
    List<KeyValue> second = new ArrayList<>(first.subList(0, rnd.nextInt(first.size() + 1)));
    if (rnd.nextBoolean()) {
      second.addAll(flattened(rnd, "be brief"));
    } else {
      second.addAll(first.subList(second.size(), first.size()));
      second.add(
          KeyValue.newBuilder()
              .setKey("gen_ai.system_instructions")
              .setValue(AnyValue.newBuilder().setStringValue("be brief"))
              .build());
    }
    CapturedPrompt one = request(first);
    CapturedPrompt two = request(second);

    assertThat(one.sameRequest(two))
        .as("%s against %s", first, second)
        .isEqualTo(request(first).digest().equals(request(second).digest()));
  }

  /** Flattened messages of a few short and long contents, and system instructions. */
  private static List<KeyValue> flattened(Random rnd, String system) {
    String[] contents = {"hi", "hí", "hello", "x".repeat(300), "y".repeat(300), "ü".repeat(150)};
    List<KeyValue> out = new ArrayList<>();
    for (int i = 0, n = rnd.nextInt(3) + 1; i < n; i++) {
      if (rnd.nextBoolean()) {
        out.add(attribute("gen_ai.prompt." + i + ".role", rnd.nextBoolean() ? "user" : "system"));
      }
      out.add(attribute("gen_ai.prompt." + i + ".content", contents[rnd.nextInt(contents.length)]));
    }
    out.add(attribute("gen_ai.system_instructions", system));
    return out;
  }

  private static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  /** The request of a span of {@code attributes}, long contents held as UTF-8 bytes. */
  private static CapturedPrompt request(List<KeyValue> attributes) {
    List<KeyValue> held = new ArrayList<>();
    for (KeyValue kv : attributes) {
      String v = kv.getValue().getStringValue();
      AnyValue value =
          v.length() < 256
              ? kv.getValue()
              : AnyValue.newBuilder()
                  .setStringValueBytes(
                      UnsafeByteOperations.unsafeWrap(v.getBytes(StandardCharsets.UTF_8)))
                  .build();
      held.add(kv.toBuilder().setValue(value).build());
    }
    Span span = Span.newBuilder().setName("chat").addAllAttributes(held).build();
    SpanView s =
        new SpanView(
            span, Resource.getDefaultInstance(), InstrumentationScope.getDefaultInstance());
    return CapturedText.request(s, new SpanAttributes(held, k -> {}), "");
  }

  /** Each code point as UTF-8 encodes it, a lone surrogate like any other code point. */
  private static void utf8(String s, java.io.ByteArrayOutputStream out) {
    s.codePoints()
        .forEach(
            cp -> {
              if (cp < 0x80) {
                out.write(cp);
              } else if (cp < 0x800) {
                out.write(0xC0 | (cp >> 6));
                out.write(0x80 | (cp & 0x3F));
              } else if (cp < 0x10000) {
                out.write(0xE0 | (cp >> 12));
                out.write(0x80 | ((cp >> 6) & 0x3F));
                out.write(0x80 | (cp & 0x3F));
              } else {
                out.write(0xF0 | (cp >> 18));
                out.write(0x80 | ((cp >> 12) & 0x3F));
                out.write(0x80 | ((cp >> 6) & 0x3F));
                out.write(0x80 | (cp & 0x3F));
              }
            });
  }

  @Provide
  Arbitrary<String> requests() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(20),
        Arbitraries.strings().all().ofMinLength(2040).ofMaxLength(6200),
        Arbitraries.strings().withChars("ab\u00e9\u4e2d\ud83d\ude00").ofMaxLength(4500),
        Arbitraries.strings().ascii().ofMinLength(1).ofMaxLength(5000).map(t -> "x" + t + "x"));
  }

  @Property(tries = 500)
  void flattenedMessagesAreWrittenAsTheirTreePrintedThem(@ForAll long seed) {
    Random rnd = new Random(seed);
    List<String> roles = new ArrayList<>();
    List<String> contents = new ArrayList<>();
    for (int i = rnd.nextInt(4) + 1; i > 0; i--) {
      contents.add(MessageTextPropertiesTest.text(rnd));
      if (rnd.nextInt(4) > 0) {
        roles.add(MessageTextPropertiesTest.text(rnd));
      }
    }
    ArrayNode tree = new ObjectMapper().createArrayNode();
    for (int i = 0; i < contents.size(); i++) {
      tree.addObject()
          .put("role", i < roles.size() ? roles.get(i) : "user")
          .put("content", contents.get(i));
    }
    StringWriter json = new StringWriter();

    CapturedText.writeMessages(roles, contents, json);

    assertThat(json.toString()).isEqualTo(tree.toString());
  }
}
