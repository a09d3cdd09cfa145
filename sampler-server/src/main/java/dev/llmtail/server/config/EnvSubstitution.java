package dev.llmtail.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${env:NAME}} and {@code ${env:NAME:-default}} in config values, as the
 * OpenTelemetry Collector does: an unset variable without a default becomes the empty string, and
 * {@code $$} stands for a literal {@code $}.
 */
final class EnvSubstitution {

  private static final Pattern REF =
      Pattern.compile("\\$\\$|\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}|\\$\\{[^}]*}?");

  private final Map<String, String> environment;

  EnvSubstitution(Map<String, String> environment) {
    this.environment = environment;
  }

  /**
   * A value with its references replaced, and the variables it named that are unset and have no
   * default (so a problem with the value can say why it is empty).
   */
  record Substituted(String value, List<String> unset) {}

  /**
   * Returns {@code value} with every reference replaced, naming the unset variables without a
   * default it read; throws on a malformed reference.
   */
  Substituted substitute(String value) {
    if (value.indexOf('$') < 0) {
      return new Substituted(value, List.of());
    }
    List<String> unset = new ArrayList<>();
    Matcher m = REF.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group().equals("$$")) {
        replacement = "$";
      } else if (m.group(1) != null) {
        String env = environment.get(m.group(1));
        if (env == null && m.group(2) == null) {
          unset.add(m.group(1));
        }
        replacement = env != null ? env : m.group(2) != null ? m.group(2) : "";
      } else {
        throw new IllegalArgumentException(
            "'"
                + m.group()
                + "' is not a valid reference (expected: ${env:NAME} or ${env:NAME:-default}; write $$ for a literal $)");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return new Substituted(out.toString(), List.copyOf(unset));
  }
}
