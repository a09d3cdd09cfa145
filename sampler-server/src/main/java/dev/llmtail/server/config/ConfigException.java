package dev.llmtail.server.config;

import java.util.List;

/**
 * A configuration file that cannot be used, with every problem found: each names the file, the
 * line, the key, the offending value and what is allowed.
 */
public final class ConfigException extends Exception {

  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  ConfigException(String source, List<String> problems) {
    super(
        problems.size()
            + (problems.size() == 1 ? " problem" : " problems")
            + " in "
            + source
            + ":\n  "
            + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  private ConfigException(String problem) {
    super(problem);
    this.problems = List.of(problem);
  }

  /**
   * A problem with the file as a whole (missing, unreadable, not YAML), printed as what it is,
   * without a count.
   */
  static ConfigException oneLine(String source, String problem) {
    return new ConfigException(problem.startsWith(source) ? problem : source + ": " + problem);
  }

  /** One line per problem, {@code FILE:LINE: key: problem (expected: …)}. */
  public List<String> problems() {
    return problems;
  }
}
