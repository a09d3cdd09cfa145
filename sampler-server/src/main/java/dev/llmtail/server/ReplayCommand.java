package dev.llmtail.server;

import dev.llmtail.server.replay.PolicyPrecision;
import dev.llmtail.server.replay.RecordingException;
import dev.llmtail.server.replay.RecordingFiles;
import dev.llmtail.server.replay.Replay;
import dev.llmtail.server.replay.ReplayReport;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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

  @Parameters(
      arity = "1..*",
      paramLabel = "INPUT",
      description = "recorded traces (OTLP JSON files, or directories read for *.json and *.jsonl)")
  List<Path> recordings;

  @Option(
      names = "--by-policy",
      description =
          "Print per policy how many traces it kept and, for labelled recordings, the failures"
              + " it kept or missed and the healthy traces it kept")
  boolean byPolicy;

  @Override
  public Integer call() {
    List<Path> files;
    try {
      files = RecordingFiles.expand(recordings);
    } catch (RecordingException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return LlmtailCommand.CONFIG_ERROR;
    }
    ReplayInputs.Loaded loaded = inputs.load(spec, files);
    if (loaded == null) {
      return LlmtailCommand.CONFIG_ERROR;
    }
    List<Replay.Outcome> outcomes = loaded.replay().decideAll(loaded.recorded());
    if (byPolicy) {
      PolicyPrecision.of(outcomes).print(spec.commandLine().getOut());
    } else {
      ReplayReport.traces(outcomes, inputs.format, spec.commandLine().getOut());
    }
    return 0;
  }
}
