package dev.llmtail.policies;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The literal text every match of a regular expression must contain, read off the expression's
 * start ({@code (?i)\brm\s+-rf\b} needs {@code rm} and {@code -rf}; the one with the rarest
 * character is kept, here {@code -rf}), so that a pattern is run only over text that contains it: a
 * case-insensitive pattern that opens with {@code \b} is tried at every position of a
 * several-kilobyte LLM output, while {@link String#indexOf(int, int)} skips through it.
 *
 * <p>Conservative: an expression whose start is anything but letters, digits and {@code -} (after
 * an optional {@code (?i)}, {@code \b} and {@code \s}), that has other inline flags, or a {@code |}
 * outside parentheses, has no required literal, and is always run. A literal followed by {@code ?},
 * {@code *} or a brace quantifier loses its last character. The check may let text through that the
 * pattern does not match; it never stops text that it does.
 */
final class RequiredLiteral {

  /** ASCII letters from the most to the least frequent in English text. */
  private static final String BY_FREQUENCY = "etaoinshrdlcumwfgypbvkjxqz";

  private final String literal;

  /** {@link #literal} in upper case: ASCII letters, digits and {@code -}, so of the same length. */
  private final String upperCase;

  private final boolean ignoreCase;

  /**
   * The index in {@link #literal} of its rarest letter in English (digits and {@code -} rarer
   * still), which {@link #in} looks for: from the literal's first letter, the {@code r} of {@code
   * rm} is found every few words of an LLM output, each a call of {@link String#indexOf(int, int)}
   * that costs about as much as skipping a hundred characters without one.
   */
  private final int anchor;

  private RequiredLiteral(String literal, boolean ignoreCase) {
    this.literal = literal;
    this.upperCase = literal.toUpperCase(Locale.ROOT);
    this.ignoreCase = ignoreCase;
    int rarest = 0;
    for (int i = 1; i < literal.length(); i++) {
      if (frequencyRank(literal.charAt(i)) > frequencyRank(literal.charAt(rarest))) {
        rarest = i;
      }
    }
    this.anchor = rarest;
  }

  /** Higher is rarer; a digit or {@code -} is rarer than every letter. */
  private static int frequencyRank(char c) {
    int rank = BY_FREQUENCY.indexOf(Character.toLowerCase(c));
    return rank < 0 ? BY_FREQUENCY.length() : rank;
  }

  /** The literal {@code expression} requires, or null if none can be read off safely. */
  static @Nullable RequiredLiteral of(String expression) {
    String s = expression;
    boolean ignoreCase = false;
    if (s.startsWith("(?i)")) {
      ignoreCase = true;
      s = s.substring(4);
    } else if (s.startsWith("(?")) {
      return null;
    }
    if (hasTopLevelAlternation(s)) {
      return null;
    }
    String best = null;
    for (String run : requiredRuns(s)) {
      if (run.length() >= 2 && (best == null || rarity(run) > rarity(best))) {
        best = run;
      }
    }
    if (best == null) {
      return null;
    }
    return new RequiredLiteral(ignoreCase ? best.toLowerCase(Locale.ROOT) : best, ignoreCase);
  }

  /**
   * The runs of literal characters (ASCII letters, digits, {@code -}) that every match of {@code s}
   * contains, read from its start up to the first element other than a literal character, a {@code
   * \b}, or a {@code \s} with or without {@code +}, {@code *} or {@code ?}: {@code rm\s+-rf}
   * requires {@code rm} and {@code -rf}. A character followed by {@code ?}, {@code *} or a brace
   * quantifier ends the reading; one followed by {@code +} ends its run.
   */
  private static List<String> requiredRuns(String s) {
    List<String> runs = new ArrayList<>();
    StringBuilder run = new StringBuilder();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      char next = i + 1 < s.length() ? s.charAt(i + 1) : '\0';
      if (c == '\\' && (next == 'b' || next == 's')) {
        runs.add(run.toString());
        run.setLength(0);
        i += 2;
        if (next == 's' && i < s.length() && "+*?".indexOf(s.charAt(i)) >= 0) {
          i++;
        }
      } else if (isLiteral(c) && "?*{".indexOf(next) < 0) {
        run.append(c);
        i++;
        if (next == '+') {
          runs.add(run.toString());
          run.setLength(0);
          i++;
        }
      } else {
        break; // an optional character, a group, a class, an escape: read no further
      }
    }
    runs.add(run.toString());
    return runs;
  }

  /** The rank of the literal's rarest character: the literal with the rarest is looked for. */
  private static int rarity(String literal) {
    int rarest = 0;
    for (int i = 0; i < literal.length(); i++) {
      rarest = Math.max(rarest, frequencyRank(literal.charAt(i)));
    }
    return rarest;
  }

  /**
   * Whether {@code text} contains the literal; ignoring ASCII case if the expression does, as
   * {@code (?i)} without {@code u} does. No lower-cased copy of the text is made: the literal is
   * ASCII letters, digits and {@code -}, so only the two cases of its {@link #anchor} letter (or
   * the one of a digit or {@code -}) can stand where that character does in a match.
   */
  boolean in(String text) {
    if (!ignoreCase) {
      return text.contains(literal);
    }
    char lower = literal.charAt(anchor);
    char upper = upperCase.charAt(anchor);
    int last = text.length() - literal.length();
    int nextLower = text.indexOf(lower, anchor);
    int nextUpper = upper == lower ? -1 : text.indexOf(upper, anchor);
    while (nextLower >= 0 || nextUpper >= 0) {
      int at = nextUpper < 0 || (nextLower >= 0 && nextLower < nextUpper) ? nextLower : nextUpper;
      if (at - anchor > last) {
        return false;
      }
      if (startsAtIgnoringAsciiCase(text, at - anchor)) {
        return true;
      }
      if (at == nextLower) {
        nextLower = text.indexOf(lower, at + 1);
      } else {
        nextUpper = text.indexOf(upper, at + 1);
      }
    }
    return false;
  }

  private boolean startsAtIgnoringAsciiCase(String text, int at) {
    for (int i = 0; i < literal.length(); i++) {
      char c = text.charAt(at + i);
      if (c != literal.charAt(i) && c != upperCase.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** ASCII letters, digits and {@code -}: literal in a pattern outside a character class. */
  private static boolean isLiteral(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  }

  private static boolean hasTopLevelAlternation(String s) {
    int depth = 0;
    boolean inClass = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++; // an escaped character is a literal
      } else if (inClass) {
        inClass = c != ']';
      } else if (c == '[') {
        inClass = true;
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == '|' && depth == 0) {
        return true;
      }
    }
    return false;
  }
}
