package dev.llmtail.server;

import dev.llmtail.server.config.ConfigException;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code llmtail validate}: the checks {@code run} makes before it opens a port, without opening
 * one. The config is read by the same {@link ConfigLoader}, which checks every section, the policy
 * set and what the exporter and receivers need from the machine (an address that resolves, a
 * directory that exists), so a file that validates starts.
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = "Check a config file and print every problem; exit 0 if it is valid, 1 if not.")
final class ValidateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description = "llmtail YAML config, as for run (the file may also be given without --config)")
  Path option;

  @Parameters(arity = "0..1", paramLabel = "FILE", description = "llmtail YAML config")
  Path positional;

  @Override
  public Integer call() {
    if ((option == null) == (positional == null)) {
      throw new ParameterException(
          spec.commandLine(),
          option == null
              ? "Missing the config file: validate --config FILE (or validate FILE)"
              : "Two config files given (" + option + ", " + positional + "): validate one");
    }
    Path config = option != null ? option : positional;
    try {
      LlmtailConfig loaded = ConfigLoader.withSystemEnvironment().load(config);
      spec.commandLine()
          .getOut()
          .printf("%s: valid (%d policies)%n", config, loaded.policies().size());
      return 0;
    } catch (ConfigException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return LlmtailCommand.CONFIG_ERROR;
    }
  }
}
