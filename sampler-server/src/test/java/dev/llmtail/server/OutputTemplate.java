package dev.llmtail.server;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An output the docs show, as a pattern for what llmtail prints: the text is literal except that
 * {@code …} stands for anything, a time such as {@code 12:03:14 UTC (2026-11-27)} for any time, and
 * runs of whitespace (the docs wrap long lines) for any whitespace.
 */
final class OutputTemplate {

  private static final Pattern WILD =
      Pattern.compile("…|\\d\\d:\\d\\d:\\d\\d UTC \\(\\d{4}-\\d\\d-\\d\\d\\)|\\s+");

  private final Pattern pattern;

  private OutputTemplate(Pattern pattern) {
    this.pattern = pattern;
  }

  static OutputTemplate of(String documented) {
    StringBuilder regex = new StringBuilder();
    Matcher wild = WILD.matcher(documented.strip());
    int literal = 0;
    while (wild.find()) {
      regex.append(Pattern.quote(documented.strip().substring(literal, wild.start())));
      String w = wild.group();
      regex.append(
          w.equals("…")
              ? ".*?"
              : w.isBlank() ? "\\s+" : "\\d\\d:\\d\\d:\\d\\d UTC \\(\\d{4}-\\d\\d-\\d\\d\\)");
      literal = wild.end();
    }
    regex.append(Pattern.quote(documented.strip().substring(literal)));
    return new OutputTemplate(Pattern.compile(regex.toString(), Pattern.DOTALL));
  }

  boolean matches(String printed) {
    return pattern.matcher(printed.strip()).matches();
  }
}
