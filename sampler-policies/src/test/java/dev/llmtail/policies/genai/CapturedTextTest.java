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
   * The digest is XXH3-128 of the system instructions' length and the characters, as hash4j's
   * {@code putChars} hashes them, whatever the characters (surrogates alone or in pairs) and
   * wherever the chunks they are copied in end.
   */
  @Property(tries = 300)
  void digestIsTheHashOfEveryCharacterAsPutCharsHashesThem(
      @ForAll("requests") String systemInstructions, @ForAll("requests") String input) {
    HashValue128 hash =
        Hashing.xxh3_128()
            .hashStream()
            .putInt(systemInstructions.length())
            .putChars(systemInstructions)
            .putChars(input)
            .get();
    String expected =
        systemInstructions.isEmpty() && input.isEmpty()
            ? ""
            : HexFormat.of().toHexDigits(hash.getMostSignificantBits())
                + HexFormat.of().toHexDigits(hash.getLeastSignificantBits());

    assertThat(RequestDigest.of(systemInstructions, input)).isEqualTo(expected);
  }

  @Provide
  Arbitrary<String> requests() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(20),
        Arbitraries.strings().all().ofMinLength(2040).ofMaxLength(6200),
        Arbitraries.strings().withChars("ab\u00e9\u4e2d\ud83d\ude00").ofMaxLength(4500));
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
