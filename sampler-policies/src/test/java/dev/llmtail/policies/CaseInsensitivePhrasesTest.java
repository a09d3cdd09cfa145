package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.jspecify.annotations.Nullable;

/**
 * {@link CaseInsensitivePhrases} finds what a search of the lower-cased text found, including where
 * lower-casing changes a text's length (Turkish {@code İ}) or depends on the neighbours ({@code
 * Σ}), on German sharp s, the Kelvin sign, surrogate pairs and lone surrogates.
 */
class CaseInsensitivePhrasesTest {

  /** Characters whose case mappings are unusual, mixed with plain letters. */
  private static final String ALPHABET =
      "abcdehilpnstw IHELPNT'’ßẞİıΣσςK\u212A\u0307\uD801\uDC00\uD801\uDC28\uD83D\uDE00\uD800\uDC00";

  /** The search before: a lower-cased copy of the text, searched for each phrase in turn. */
  private static @Nullable String lowerCasedSearch(List<String> phrases, String text) {
    String lowered = text.toLowerCase(Locale.ROOT).replace('’', '\'');
    for (String phrase : phrases) {
      if (lowered.contains(phrase)) {
        return phrase;
      }
    }
    return null;
  }

  /** Phrases as the refusal policy's options lower-case them. */
  private static List<String> options(List<String> phrases) {
    return new RefusalPolicy.Options(null, phrases).phrases();
  }

  @Example
  void everyCodePointButTwoIsLowerCasedOnItsOwnAsTheWholeTextWouldBe() {
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      if (cp == 0x130 || cp == 0x3A3) {
        continue; // İ becomes two characters, Σ depends on its neighbours
      }
      String s = new String(Character.toChars(cp));
      String lowered = s.toLowerCase(Locale.ROOT).replace('’', '\'');
      assertThat(lowered.length()).as("U+%04X", cp).isEqualTo(s.length());
      for (int i = 0; i < s.length(); i++) {
        assertThat(CaseInsensitivePhrases.lowerCaseAt(s, i))
            .as("U+%04X", cp)
            .isEqualTo(lowered.charAt(i));
      }
    }
  }

  @Example
  void findsTheFirstListedPhraseWhateverItsCase() {
    CaseInsensitivePhrases phrases = new CaseInsensitivePhrases(RefusalPolicy.DEFAULT_PHRASES);

    assertThat(phrases.firstIn("Sorry, I CAN’T ASSIST WITH that; I can't help with it"))
        .isEqualTo("i can't help with");
    assertThat(phrases.firstIn("Sure, here it is.")).isNull();
    assertThat(phrases.firstIn("")).isNull();
  }

  @Example
  void turkishDottedCapitalIIsNotAnI() {
    CaseInsensitivePhrases phrases = new CaseInsensitivePhrases(RefusalPolicy.DEFAULT_PHRASES);

    // "İ" lower-cases to "i" and a combining dot: the old search did not match it, nor does this
    assertThat(phrases.firstIn("İ can't help with that")).isNull();
    assertThat(phrases.firstIn("İ: I can't help with that")).isEqualTo("i can't help with");
    assertThat(new CaseInsensitivePhrases(options(List.of("İstanbul"))).firstIn("ISTANBUL"))
        .isNull();
    assertThat(new CaseInsensitivePhrases(options(List.of("İstanbul"))).firstIn("İSTANBUL"))
        .isEqualTo("i\u0307stanbul");
  }

  @Example
  void germanSharpSMatchesOnlyItsOwnLowerCase() {
    CaseInsensitivePhrases phrases = new CaseInsensitivePhrases(options(List.of("straße")));

    assertThat(phrases.firstIn("STRAẞE")).isEqualTo("straße");
    assertThat(phrases.firstIn("Straße")).isEqualTo("straße");
    assertThat(phrases.firstIn("STRASSE")).isNull();
  }

  @Example
  void greekSigmaIsLowerCasedByItsPlaceInTheWord() {
    CaseInsensitivePhrases phrases = new CaseInsensitivePhrases(options(List.of("οδος", "οδοσ")));

    assertThat(phrases.firstIn("ΟΔΟΣ"))
        .isEqualTo(lowerCasedSearch(List.of("οδος", "οδοσ"), "ΟΔΟΣ"));
    assertThat(phrases.firstIn("ΟΔΟΣ")).isEqualTo("οδος");
  }

  @Property(tries = 3000)
  void findsWhatTheLowerCasedSearchFound(@ForAll long seed) {
    Random rnd = new Random(seed);
    List<String> phrases = new ArrayList<>();
    for (int i = rnd.nextInt(4); i >= 0; i--) {
      phrases.add(random(rnd, rnd.nextInt(4)));
    }
    List<String> lowered = options(phrases);
    StringBuilder text = new StringBuilder(random(rnd, rnd.nextInt(30)));
    for (int i = rnd.nextInt(3); i > 0; i--) {
      String phrase = phrases.get(rnd.nextInt(phrases.size()));
      text.insert(
          rnd.nextInt(text.length() + 1),
          rnd.nextBoolean() ? phrase.toUpperCase(Locale.ROOT) : phrase);
    }

    assertThat(new CaseInsensitivePhrases(lowered).firstIn(text.toString()))
        .as("%s in %s", lowered, text)
        .isEqualTo(lowerCasedSearch(lowered, text.toString()));
  }

  /**
   * Phrases of two characters or more are looked for from the pairs of characters they may start
   * with: it finds what the lower-cased search found, with phrases in any mix of cases at the
   * text's start, end and next to each other, next to the characters whose case mappings are
   * unusual.
   */
  @Property(tries = 3000)
  void findsWhatTheLowerCasedSearchFoundFromTheFirstTwoCharacters(@ForAll long seed) {
    Random rnd = new Random(seed);
    List<String> phrases = new ArrayList<>();
    for (int i = rnd.nextInt(4); i >= 0; i--) {
      phrases.add(random(rnd, 2 + rnd.nextInt(4)));
    }
    if (rnd.nextBoolean()) {
      phrases.addAll(RefusalPolicy.DEFAULT_PHRASES);
    }
    List<String> lowered = options(phrases);
    StringBuilder text = new StringBuilder(random(rnd, rnd.nextInt(30)));
    for (int i = rnd.nextInt(4); i > 0; i--) {
      String phrase = phrases.get(rnd.nextInt(phrases.size()));
      int at =
          switch (rnd.nextInt(3)) {
            case 0 -> 0;
            case 1 -> text.length();
            default -> rnd.nextInt(text.length() + 1);
          };
      text.insert(at, mixedCase(rnd, phrase));
    }
    if (rnd.nextInt(4) == 0) {
      text.setLength(rnd.nextInt(text.length() + 1)); // a phrase cut off by the end
    }

    assertThat(new CaseInsensitivePhrases(lowered).firstIn(text.toString()))
        .as("%s in %s", lowered, text)
        .isEqualTo(lowerCasedSearch(lowered, text.toString()));
  }

  @Example
  void findsTheShippedPhrasesAtTheEdgesOfTheText() {
    CaseInsensitivePhrases phrases = new CaseInsensitivePhrases(RefusalPolicy.DEFAULT_PHRASES);

    assertThat(phrases.firstIn("I Won’T Be Able To Help")).isEqualTo("i won't be able to help");
    assertThat(phrases.firstIn("Sorry. i am unable to help")).isEqualTo("i am unable to help");
    assertThat(phrases.firstIn("Sorry. i am unable to hel")).isNull();
    assertThat(phrases.firstIn("hi am unable to help")).isEqualTo("i am unable to help");
  }

  /** Each character of {@code s} in its own case, upper or lower, at random. */
  private static String mixedCase(Random rnd, String s) {
    StringBuilder mixed = new StringBuilder();
    s.codePoints()
        .map(c -> rnd.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c))
        .forEach(mixed::appendCodePoint);
    return mixed.toString();
  }

  private static String random(Random rnd, int length) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      s.append(
          rnd.nextInt(8) == 0
              ? (char) rnd.nextInt(0x10000)
              : ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
    }
    return s.toString();
  }
}
