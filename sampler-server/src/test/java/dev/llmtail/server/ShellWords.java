package dev.llmtail.server;

import java.util.ArrayList;
import java.util.List;

/** Splits a documented command line as a POSIX shell would, for the quoting the docs use. */
final class ShellWords {

  private ShellWords() {}

  /** Whitespace-separated words; single or double quotes group and are removed. */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    char quote = 0;
    boolean inWord = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }

  /** {@code line} cut at every {@code separator} that is outside quotes. */
  static List<String> splitOutsideQuotes(String line, char separator) {
    boolean[] unquoted = unquoted(line);
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < line.length(); i++) {
      if (unquoted[i] && line.charAt(i) == separator) {
        parts.add(line.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(line.substring(start));
    return parts;
  }

  /**
   * {@code line} without a {@code #} comment, one that starts after whitespace and outside quotes.
   */
  static String withoutComment(String line) {
    boolean[] unquoted = unquoted(line);
    for (int i = 0; i < line.length(); i++) {
      if (unquoted[i]
          && line.charAt(i) == '#'
          && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
        return line.substring(0, i).strip();
      }
    }
    return line.strip();
  }

  /**
   * For each character of {@code line}, whether it is outside quotes (a quote character is not).
   */
  private static boolean[] unquoted(String line) {
    boolean[] unquoted = new boolean[line.length()];
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        quote = c == quote ? 0 : quote;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else {
        unquoted[i] = true;
      }
    }
    return unquoted;
  }
}
