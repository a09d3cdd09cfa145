package dev.llmtail.server;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top-level {@code llmtail} command; each subcommand is a class of its own. */
@Command(
    name = "llmtail",
    mixinStandardHelpOptions = true,
    versionProvider = LlmtailCommand.Version.class,
    description = "LLM-aware tail sampling for OpenTelemetry traces.",
    subcommands = {
      RunCommand.class,
      ValidateCommand.class,
      ReplayCommand.class,
      ExplainCommand.class,
      ImportOtelConfigCommand.class,
      SchemaCommand.class
    })
final class LlmtailCommand implements Runnable {

  /** Exit code for a config (or an input) that cannot be used. */
  static final int CONFIG_ERROR = 1;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reads the version from the jar manifest. */
  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = LlmtailCommand.class.getPackage().getImplementationVersion();
      return new String[] {"llmtail " + (v == null ? "(development build)" : v)};
    }
  }
}
