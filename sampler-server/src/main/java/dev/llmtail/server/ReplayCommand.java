package dev.llmtail.server;

import dev.llmtail.server.replay.ReplayReport;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code llmtail replay}: which recorded traces a config would keep, and why. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Run a config's policies over recorded traces and print which would be kept and why.",
      "INPUT is OTLP JSON as the Collector's file exporter or llmtail's file exporter write it"
          + " (one TracesData per line, or one document). Exit 0, or 1 if the config or an input"
          + " cannot be read."
    })
final class ReplayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ReplayInputs inputs;

  @Parameters(arity = "1..*", paramLabel = "INPUT", description = "recorded traces (OTLP JSON)")
  List<Path> recordings;

  @Override
  public Integer call() {
    ReplayInputs.Loaded loaded = inputs.load(spec, recordings);
    if (loaded == null) {
      return LlmtailCommand.CONFIG_ERROR;
    }
    ReplayReport.traces(
        loaded.replay().decideAll(loaded.recorded()), inputs.format, spec.commandLine().getOut());
    return 0;
  }
}
