package dev.llmtail.policies.genai;

import static org.assertj.core.api.Assertions.assertThat;

import com.dynatrace.hash4j.hashing.HashValue128;
import com.dynatrace.hash4j.hashing.Hashing;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.StringWriter;
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
