package dev.llmtail.policies;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Regular expressions from options, refused with the key, the expression and the problem. */
final class Patterns {

  private Patterns() {}

  /**
   * Compiles every expression of option {@code key}.
   *
   * @param example an expression to show in the error, or empty
   * @throws IllegalArgumentException naming the option and the first expression that does not
   *     compile
   */
  static List<Pattern> compileAll(String key, List<String> expressions, String example) {
    List<Pattern> compiled = new ArrayList<>(expressions.size());
    for (String expression : expressions) {
      try {
        compiled.add(Pattern.compile(expression));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            key
                + ": '"
                + expression
                + "' is not a regular expression: "
                + e.getDescription()
                + " at index "
                + e.getIndex()
                + " (expected: a Java regex"
                + (example.isEmpty() ? "" : ", e.g. " + example)
                + ")",
            e);
      }
    }
    return List.copyOf(compiled);
  }
}
