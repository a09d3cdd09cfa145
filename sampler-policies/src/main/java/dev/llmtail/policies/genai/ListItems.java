package dev.llmtail.policies.genai;

/** The items of a list captured as one string ({@code "[\"stop\",'length']"}), unquoted. */
final class ListItems {

  private ListItems() {}

  /**
   * {@code part} without one leading and one trailing quote ({@code "} or {@code '}), as {@code
   * part.replaceAll("^[\"']|[\"']$", "")} removes them without compiling that expression per part:
   * the trailing one may stand before a final line end (where {@code $} matches too); {@code part}
   * is trimmed, so that end is {@code \u0085}, {@code \u2028} or {@code \u2029}.
   */
  static String unquoted(String part) {
    int n = part.length();
    int start = n > 0 && quote(part.charAt(0)) ? 1 : 0;
    int end = -1; // the trailing quote's index
    if (n - 1 >= start && quote(part.charAt(n - 1))) {
      end = n - 1;
    } else if (n - 2 >= start && lineEnd(part.charAt(n - 1)) && quote(part.charAt(n - 2))) {
      end = n - 2;
    }
    if (end < 0) {
      return start == 0 ? part : part.substring(start);
    }
    return part.substring(start, end) + part.substring(end + 1);
  }

  private static boolean quote(char c) {
    return c == '"' || c == '\'';
  }

  private static boolean lineEnd(char c) {
    return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
  }
}
