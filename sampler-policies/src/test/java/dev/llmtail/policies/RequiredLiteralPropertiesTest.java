package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class RequiredLiteralPropertiesTest {

  /**
   * The case-insensitive check finds the literal exactly where Java's {@code (?i)} (ASCII case)
   * does, also next to characters whose Unicode case maps onto ASCII letters (Kelvin sign, long s,
   * dotted and dotless i), which {@code (?i)} without {@code u} does not fold.
   */
  @Property(tries = 2000)
  void findsTheLiteralWhereCaseInsensitiveRegexDoes(
      @ForAll("literals") String literal, @ForAll("texts") String text) {
    RequiredLiteral required = RequiredLiteral.of("(?i)\\b" + literal + "\\s");
    boolean expected =
        Pattern.compile(Pattern.quote(literal), Pattern.CASE_INSENSITIVE).matcher(text).find();
    assertThat(required).isNotNull();
    assertThat(required.in(text)).as("'%s' in '%s'", literal, text).isEqualTo(expected);
  }

  /**
   * Wherever the literal stands and in whichever case, it is found, whichever of its letters the
   * check looks for first.
   */
  @Property(tries = 1000)
  void findsTheLiteralInAnyCaseAnywhere(
      @ForAll("literals") String literal,
      @ForAll("texts") String before,
      @ForAll("texts") String after,
      @ForAll long cases) {
    StringBuilder written = new StringBuilder();
    for (int i = 0; i < literal.length(); i++) {
      char c = literal.charAt(i);
      written.append((cases >>> i & 1) == 0 ? Character.toLowerCase(c) : Character.toUpperCase(c));
    }
    RequiredLiteral required = RequiredLiteral.of("(?i)" + literal + "\\s");

    assertThat(required).isNotNull();
    assertThat(required.in(before + written + after)).isTrue();
  }

  @Provide
  Arbitrary<String> literals() {
    return Arbitraries.strings().withChars("rmdopRMDOP0k").ofMinLength(2).ofMaxLength(4);
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.strings()
        .withChars("rmdopRMDOP0k -\u212a\u017f\u0130\u0131\u00dfK")
        .ofMaxLength(40);
  }
}
