package dev.llmtail.policies;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Phrases found in a text as {@code text.toLowerCase(Locale.ROOT).replace('’', '\'')
 * .contains(phrase)} finds them, without the lower-cased copy. The characters a phrase may start
 * with (both cases of its first letter) are found with {@link String#indexOf(int, int)}, which the
 * JVM runs as vector instructions; from each, the text is lower-cased a character at a time only as
 * far as it follows a tree of the phrases. LLM outputs are several kilobytes: a lower-cased copy of
 * each was most of a phrase search's allocation, and a loop over every character in Java measured
 * slower than that copy and the JVM's substring search.
 *
 * <p>Lower-casing with {@link Locale#ROOT} maps each code point on its own ({@link
 * Character#toLowerCase(int)}, same length) but for two characters: {@code İ} (U+0130) becomes two
 * characters ({@code i} and a combining dot), and {@code Σ} (U+03A3) becomes {@code ς} or {@code σ}
 * depending on its neighbours. A text holding either (where a phrase could see the difference) is
 * lower-cased whole, as before; the tests hold the two ways equal on random Unicode text. Immutable
 * and thread-safe.
 */
final class CaseInsensitivePhrases {

  private final List<String> phrases;
  private final boolean sigma;
  private final Node tree = new Node();

  /** Every character a phrase may start at: those whose lower case starts a phrase. */
  private final char[] starts;

  /**
   * Whether a phrase starts with a surrogate: such phrases are looked for in a lower-cased copy.
   */
  private final boolean surrogateStart;

  /**
   * Every two characters a phrase may start at (those whose lower case starts a phrase), or null
   * where a phrase is one character long, its second character is a surrogate, or there are more
   * than {@link #MAX_START_PAIRS}: then the phrases are looked for from each of {@link #starts}.
   */
  private final String @Nullable [] startPairs;

  /**
   * Each pair is a pass of {@link String#indexOf(String, int)} over the text; the default phrases
   * need six ({@code i }, {@code I }, and {@code i'} and {@code I'} with either apostrophe).
   */
  private static final int MAX_START_PAIRS = 16;

  /** {@code phrases} lower-cased with {@link Locale#ROOT}, {@code ’} written {@code '}. */
  CaseInsensitivePhrases(List<String> phrases) {
    this.phrases = List.copyOf(phrases);
    this.sigma = phrases.stream().anyMatch(p -> p.indexOf('σ') >= 0 || p.indexOf('ς') >= 0);
    for (int k = phrases.size() - 1; k >= 0; k--) {
      Node node = tree;
      node.first = k;
      for (char c : phrases.get(k).toCharArray()) {
        node = node.add(c);
        node.first = k;
      }
      node.phrase = k; // added last to first: the earliest-listed of equal phrases wins
    }
    boolean surrogate = false;
    for (char c : tree.keys) {
      surrogate |= Character.isSurrogate(c);
    }
    this.surrogateStart = surrogate;
    StringBuilder starts = new StringBuilder();
    for (int c = 0; c <= Character.MAX_VALUE; c++) {
      // a text holding U+0130 is lower-cased whole
      if (!Character.isSurrogate((char) c)
          && c != 0x130
          && tree.child(lowerCase((char) c)) != null) {
        starts.append((char) c);
      }
    }
    this.starts = starts.toString().toCharArray();
    this.startPairs = surrogate ? null : startPairs(tree, this.starts);
  }

  /**
   * The pairs of characters whose lower cases are the first two characters of a phrase: where a
   * phrase occurs in the lower-cased text, one of them stands in the text. From the first letters
   * alone, every {@code i} and {@code I} of an LLM output started a walk of the tree; {@code "i "}
   * is found a few times per kilobyte.
   */
  private static String @Nullable [] startPairs(Node tree, char[] starts) {
    List<String> pairs = new ArrayList<>();
    for (int k = 0; k < tree.keys.length; k++) {
      Node first = tree.children[k];
      if (first.phrase != Integer.MAX_VALUE) {
        return null; // a one-character phrase
      }
      for (char second : first.keys) {
        if (Character.isSurrogate(second)) {
          return null; // lower-cased with its neighbour
        }
        for (char a : starts) {
          if (lowerCase(a) != tree.keys[k]) {
            continue;
          }
          for (int c = 0; c <= Character.MAX_VALUE; c++) {
            if (!Character.isSurrogate((char) c) && c != 0x130 && lowerCase((char) c) == second) {
              pairs.add(new String(new char[] {a, (char) c}));
            }
          }
          if (pairs.size() > MAX_START_PAIRS) {
            return null;
          }
        }
      }
    }
    return pairs.toArray(new String[0]);
  }

  /** The first of the phrases, in their order, that {@code text} contains; null if none. */
  @Nullable String firstIn(String text) {
    if (phrases.isEmpty()) {
      return null;
    }
    if (surrogateStart || text.indexOf('\u0130') >= 0 || (sigma && text.indexOf('\u03A3') >= 0)) {
      return firstInLowerCased(text.toLowerCase(Locale.ROOT).replace('’', '\''));
    }
    int found = tree.phrase; // the earliest-listed phrase found so far; "" is in every text
    if (startPairs != null) {
      for (int s = 0; s < startPairs.length && found > 0; s++) {
        for (int i = text.indexOf(startPairs[s]);
            i >= 0 && found > 0;
            i = text.indexOf(startPairs[s], i + 1)) {
          found = walk(text, i, found);
        }
      }
    } else {
      for (int s = 0; s < starts.length && found > 0; s++) {
        for (int i = text.indexOf(starts[s]);
            i >= 0 && found > 0;
            i = text.indexOf(starts[s], i + 1)) {
          found = walk(text, i, found);
        }
      }
    }
    return found < phrases.size() ? phrases.get(found) : null;
  }

  /** The earlier of {@code found} and the earliest-listed phrase at {@code i} of {@code text}. */
  private int walk(String text, int i, int found) {
    Node node = tree;
    for (int j = i; j < text.length() && node.first < found; j++) {
      node = node.child(lowerCaseAt(text, j));
      if (node == null) {
        break;
      }
      found = Math.min(found, node.phrase);
    }
    return found;
  }

  private @Nullable String firstInLowerCased(String lowered) {
    for (String phrase : phrases) {
      if (lowered.contains(phrase)) {
        return phrase;
      }
    }
    return null;
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
    return lowerCase(c);
  }

  private static char lowerCase(char c) {
    char lower = Character.toLowerCase(c);
    return lower == '’' ? '\'' : lower;
  }

  /** A tree of the phrases by their characters; a node knows the phrases that end and go on. */
  private static final class Node {
    char[] keys = new char[0];
    Node[] children = new Node[0];

    /** The index of the earliest-listed phrase ending here, or {@code Integer.MAX_VALUE}. */
    int phrase = Integer.MAX_VALUE;

    /** The index of the earliest-listed phrase ending here or below. */
    int first = Integer.MAX_VALUE;

    @Nullable Node child(char c) {
      for (int i = 0; i < keys.length; i++) {
        if (keys[i] == c) {
          return children[i];
        }
      }
      return null;
    }

    Node add(char c) {
      Node child = child(c);
      if (child == null) {
        child = new Node();
        keys = Arrays.copyOf(keys, keys.length + 1);
        children = Arrays.copyOf(children, children.length + 1);
        keys[keys.length - 1] = c;
        children[children.length - 1] = child;
      }
      return child;
    }
  }
}
