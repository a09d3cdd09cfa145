package dev.llmtail.server;

import picocli.CommandLine;

/**
 * The {@code llmtail} command line: {@code run}, {@code validate}, {@code import-otel-config},
 * {@code replay}, {@code explain}, {@code schema}, {@code --help}, {@code --version}; the commands
 * themselves are {@link LlmtailCommand}'s.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    // Must be set before anything touches java.util.logging.
    System.setProperty("java.util.logging.manager", ShutdownLogManager.class.getName());
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty(
          "java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n");
    }
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new LlmtailCommand()).setCaseInsensitiveEnumValuesAllowed(true);
  }
}
