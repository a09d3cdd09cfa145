package dev.llmtail.server.config;

import dev.llmtail.core.PolicyLibrary;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.server.internal.DidYouMean;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The policy types on the class path, by name. A type is written as its provider names it (the
 * canonical form the docs and the schema use) or with {@code -} and {@code _} swapped: {@code
 * retry_storm} is {@code retry-storm}, {@code status-code} is {@code status_code}.
 */
final class PolicyTypes {

  private final Map<String, PolicyProvider<?>> byName; // canonical names, sorted
  private final Map<String, PolicyProvider<?>> bySpelling; // '-' read as '_'

  private PolicyTypes(Map<String, PolicyProvider<?>> byName) {
    this.byName = byName;
    this.bySpelling = new TreeMap<>();
    byName.forEach((name, provider) -> bySpelling.put(spelling(name), provider));
  }

  /** The policy types of every library on the class path. */
  static PolicyTypes discover() {
    Map<String, PolicyProvider<?>> found = PolicyLibrary.discover();
    Map<String, String> spellings = new TreeMap<>();
    for (String type : found.keySet()) {
      String other = spellings.putIfAbsent(spelling(type), type);
      if (other != null) {
        throw new IllegalStateException(
            "policy types '"
                + other
                + "' and '"
                + type
                + "' differ only in - and _, which llmtail reads as the same (expected: distinct"
                + " names; remove one of them from the class path)");
      }
    }
    return new PolicyTypes(found);
  }

  /** The provider of {@code type} in either spelling, or null. */
  @Nullable PolicyProvider<?> find(String type) {
    return bySpelling.get(spelling(type));
  }

  /** The canonical names, sorted. */
  Set<String> names() {
    return byName.keySet();
  }

  /** The providers by canonical name, sorted. */
  Map<String, PolicyProvider<?>> providers() {
    return byName;
  }

  /**
   * Why {@code type} is not a policy type, with the closest name if it looks like a typo and every
   * type; {@code key} is prefixed to the message when given (for a problem reported on the policy).
   */
  String unknown(String type, String key) {
    String problem =
        type.isEmpty()
            ? "missing"
            : "'" + type + "' is not a policy type" + DidYouMean.suffix(type, names());
    return (key.isEmpty() ? "" : key + ": ")
        + problem
        + " (expected one of: "
        + String.join(", ", names())
        + ")";
  }

  private static String spelling(String type) {
    return type.replace('-', '_').toLowerCase(Locale.ROOT);
  }
}
