package dev.llmtail.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The problems found in one config file, each located by the JSON pointer of its key and printed as
 * {@code FILE:LINE: dotted.key: problem}. A problem on a value that came from an unset {@code
 * ${env:VAR}} names the variable, since the file alone does not show why the value is empty.
 */
final class Problems {

  private static final Pattern LEADING_KEY =
      Pattern.compile("^([a-z][a-z0-9_]*): (.*)$", Pattern.DOTALL);

  private final String source;
  private final List<Map.Entry<Integer, String>> messages = new ArrayList<>();
  private final Map<String, Integer> lines;
  private final Map<String, List<String>> unsetVariables;

  /**
   * @param lines the line of every key and list item, by pointer
   * @param unsetVariables the unset variables without a default each value referred to, by pointer
   */
  Problems(String source, Map<String, Integer> lines, Map<String, List<String>> unsetVariables) {
    this.source = source;
    this.lines = lines;
    this.unsetVariables = unsetVariables;
  }

  void add(String pointer, String message) {
    int line = lineOf(pointer);
    messages.add(
        Map.entry(
            line, source + ":" + line + ": " + dotted(pointer) + ": " + message + unset(pointer)));
  }

  /**
   * A message that may start with the key it is about, {@code "key: problem"}; returns the pointer
   * of that key.
   */
  String addKeyed(String pointer, String message) {
    String at = keyed(pointer, message);
    add(at, at.equals(pointer) ? message : LEADING_KEY.matcher(message).replaceFirst("$2"));
    return at;
  }

  /** The pointer a {@code "key: problem"} message is about: {@code pointer/key}, or pointer. */
  static String keyed(String pointer, String message) {
    Matcher m = LEADING_KEY.matcher(message == null ? "" : message);
    return m.matches() ? pointer + "/" + m.group(1) : pointer;
  }

  boolean isEmpty() {
    return messages.isEmpty();
  }

  /** The messages so far, without file and line; for a problem reported again further up. */
  List<String> bare() {
    return messages.stream()
        .map(Map.Entry::getValue)
        .map(m -> m.replaceFirst("^" + Pattern.quote(source) + ":\\d+: ", ""))
        .toList();
  }

  void throwIfAny() throws ConfigException {
    if (!messages.isEmpty()) {
      List<Map.Entry<Integer, String>> sorted = new ArrayList<>(messages);
      sorted.sort(Map.Entry.comparingByKey()); // stable: same-line problems keep their order
      throw new ConfigException(source, sorted.stream().map(Map.Entry::getValue).toList());
    }
  }

  private String unset(String pointer) {
    TreeSet<String> names = new TreeSet<>();
    unsetVariables.forEach(
        (at, vars) -> {
          if (at.equals(pointer) || at.startsWith(pointer + "/")) {
            names.addAll(vars);
          }
        });
    if (names.isEmpty()) {
      return "";
    }
    return names.size() == 1
        ? " (the environment variable " + names.first() + " is not set)"
        : " (the environment variables " + String.join(", ", names) + " are not set)";
  }

  private int lineOf(String pointer) {
    for (String p = pointer; !p.isEmpty(); p = p.substring(0, p.lastIndexOf('/'))) {
      Integer line = lines.get(p);
      if (line != null) {
        return line;
      }
    }
    return 1;
  }

  /** {@code /policies/2/threshold} as {@code policies[2].threshold}. */
  static String dotted(String pointer) {
    StringBuilder out = new StringBuilder();
    for (String part : pointer.substring(1).split("/", -1)) {
      if (part.chars().allMatch(Character::isDigit) && !part.isEmpty()) {
        out.append('[').append(part).append(']');
      } else {
        out.append(out.length() == 0 ? "" : ".").append(part);
      }
    }
    return out.toString();
  }
}
