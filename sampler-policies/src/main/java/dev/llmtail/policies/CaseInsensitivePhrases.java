package dev.llmtail.policies;

import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Phrases found in a text as {@code text.toLowerCase(Locale.ROOT).replace('’', '\'')
 * .contains(phrase)} finds them, without the lower-cased copy: each character is lower-cased where
 * it is compared, in one pass over the text for all phrases. LLM outputs are several kilobytes, and
 * a lower-cased copy of each was most of a phrase search's cost.
 *
 * <p>Lower-casing with {@link Locale#ROOT} maps each code point on its own ({@link
 * Character#toLowerCase(int)}, same length) but for two characters: {@code İ} (U+0130) becomes two
 * characters ({@code i} and a combining dot), and {@code Σ} (U+03A3) becomes {@code ς} or {@code σ}
 * depending on its neighbours. A text holding either (where a phrase could see the difference) is
 * lower-cased whole, as before; the tests hold the two ways equal on random Unicode text.
 */
final class CaseInsensitivePhrases {

  private final List<String> phrases;
  private final boolean sigma;

  /** The first characters of the phrases below 128, as bits; whether any is 128 or above. */
  private final long asciiFirst0;

  private final long asciiFirst1;
  private final boolean otherFirst;

  /** {@code phrases} lower-cased with {@link Locale#ROOT}, {@code ’} written {@code '}. */
  CaseInsensitivePhrases(List<String> phrases) {
    this.phrases = List.copyOf(phrases);
    this.sigma = phrases.stream().anyMatch(p -> p.indexOf('σ') >= 0 || p.indexOf('ς') >= 0);
    long first0 = 0;
    long first1 = 0;
    boolean other = false;
    for (String p : phrases) {
      if (p.isEmpty()) {
        continue;
      }
      char c = p.charAt(0);
      if (c < 64) {
        first0 |= 1L << c;
      } else if (c < 128) {
        first1 |= 1L << (c - 64);
      } else {
        other = true;
      }
    }
    this.asciiFirst0 = first0;
    this.asciiFirst1 = first1;
    this.otherFirst = other;
  }

  /** Whether a phrase may start with {@code c}. */
  private boolean mayStart(char c) {
    return c < 64
        ? (asciiFirst0 & (1L << c)) != 0
        : c < 128 ? (asciiFirst1 & (1L << (c - 64))) != 0 : otherFirst;
  }

  /** The first of the phrases, in their order, that {@code text} contains; null if none. */
  @Nullable String firstIn(String text) {
    int n = phrases.size();
    if (n == 0) {
      return null;
    }
    if (text.indexOf('\u0130') >= 0 || (sigma && text.indexOf('\u03A3') >= 0)) {
      return firstInLowerCased(text.toLowerCase(Locale.ROOT).replace('’', '\''));
    }
    int found = n; // the earliest-listed phrase found so far
    for (int k = 0; k < n; k++) {
      if (phrases.get(k).isEmpty()) {
        found = k; // every text contains ""
        break;
      }
    }
    for (int i = 0, length = text.length(); i < length && found > 0; i++) {
      char c = lowerCaseAt(text, i);
      if (!mayStart(c)) {
        continue;
      }
      for (int k = 0; k < found; k++) {
        String phrase = phrases.get(k);
        if (!phrase.isEmpty() && phrase.charAt(0) == c && startsAt(text, i, phrase)) {
          found = k;
          break;
        }
      }
    }
    return found < n ? phrases.get(found) : null;
  }

  private @Nullable String firstInLowerCased(String lowered) {
    for (String phrase : phrases) {
      if (lowered.contains(phrase)) {
        return phrase;
      }
    }
    return null;
  }

  private static boolean startsAt(String text, int start, String phrase) {
    if (start + phrase.length() > text.length()) {
      return false;
    }
    for (int j = 1; j < phrase.length(); j++) {
      if (lowerCaseAt(text, start + j) != phrase.charAt(j)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The character at {@code i} of {@code text.toLowerCase(Locale.ROOT).replace('’', '\'')}, for a
   * text without U+0130 (and without U+03A3 where a phrase holds a sigma).
   */
  static char lowerCaseAt(String text, int i) {
    char c = text.charAt(i);
    if (Character.isHighSurrogate(c)) {
      // a surrogate pair is lower-cased as one code point, into a pair
      if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        return Character.highSurrogate(
            Character.toLowerCase(Character.toCodePoint(c, text.charAt(i + 1))));
      }
      return c;
    }
    if (Character.isLowSurrogate(c)) {
      if (i > 0 && Character.isHighSurrogate(text.charAt(i - 1))) {
        return Character.lowSurrogate(
            Character.toLowerCase(Character.toCodePoint(text.charAt(i - 1), c)));
      }
      return c;
    }
    char lower = Character.toLowerCase(c);
    return lower == '’' ? '\'' : lower;
  }
}
