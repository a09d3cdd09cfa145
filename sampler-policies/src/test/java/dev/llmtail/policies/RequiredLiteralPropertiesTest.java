package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class RequiredLiteralPropertiesTest {

  /** What {@link #patterns} puts between a pattern's words. */
  private static final Pattern JOINTS = Pattern.compile("\\\\[bs][+*?]?|[+]");

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

  /**
   * A text the literal check stops is one the pattern does not match, for patterns that require
   * literals after {@code \\s}, {@code \\b} and {@code +} (the check keeps the one with the rarest
   * character), on texts that hold the pattern's words in any case, split by any spacing.
   */
  @Property(tries = 3000)
  void neverStopsATextThePatternMatches(
      @ForAll("patterns") String pattern, @ForAll("texts") String before, @ForAll long seed) {
    Random rnd = new Random(seed);
    StringBuilder text = new StringBuilder(before);
    for (String word : JOINTS.split(pattern.replace("(?i)", ""), -1)) {
      text.append(rnd.nextBoolean() ? word.toUpperCase(Locale.ROOT) : word);
      text.append(" \t-rm\u212a".charAt(rnd.nextInt(5)));
    }
    String written = text.toString();
    RequiredLiteral required = RequiredLiteral.of(pattern);

    if (Pattern.compile(pattern).matcher(written).find()) {
      assertThat(required == null || required.in(written))
          .as("'%s' matches %s", written, pattern)
          .isTrue();
    }
  }

  @Provide
  Arbitrary<String> patterns() {
    Arbitrary<String> word =
        Arbitraries.strings().withChars("rmdfRM-0").ofMinLength(1).ofMaxLength(3);
    Arbitrary<String> joint = Arbitraries.of("\\s+", "\\s*", "\\s?", "\\s", "\\b", "+", "");
    return Combinators.combine(Arbitraries.of("", "(?i)"), word, joint, word, joint, word)
        .as((flags, a, j, b, k, c) -> flags + a + j + b + k + c);
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
