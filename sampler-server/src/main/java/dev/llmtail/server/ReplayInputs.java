package dev.llmtail.server;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.server.config.ConfigException;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.server.replay.ReadProgress;
import dev.llmtail.server.replay.RecordedTraces;
import dev.llmtail.server.replay.RecordingException;
import dev.llmtail.server.replay.Replay;
import dev.llmtail.server.replay.ReplayReport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** What {@code replay} and {@code explain} share: the config, the recording, the format. */
final class ReplayInputs {

  /** When reading prints progress lines to stderr. */
  enum ProgressMode {
    AUTO,
    ALWAYS,
    NEVER
  }

  /** A loaded config and recording, ready to replay. */
  record Loaded(RecordedTraces recorded, GenAiNormalizer genAi, Replay replay) {}

  @Option(
      names = {"-c", "--config"},
      required = true,
      paramLabel = "FILE",
      description = "llmtail YAML config whose policies to replay, e.g. config/llmtail.yaml")
  Path config;

  @Option(
      names = "--format",
      defaultValue = "table",
      paramLabel = "FORMAT",
      description = "table or json (default: ${DEFAULT-VALUE})")
  ReplayReport.Format format;

  @Option(
      names = "--progress",
      defaultValue = "auto",
      paramLabel = "WHEN",
      description =
          "Progress lines on stderr while reading: auto (inputs of 8 MiB or more), always, never"
              + " (default: ${DEFAULT-VALUE})")
  ProgressMode progress;

  /** Loads the config, reads the recording and builds the replay; prints problems to stderr. */
  @Nullable Loaded load(CommandSpec spec, List<Path> inputs) {
    PrintWriter err = spec.commandLine().getErr();
    LlmtailConfig loaded;
    try {
      loaded = ConfigLoader.withSystemEnvironment().load(config);
    } catch (ConfigException e) {
      err.println(e.getMessage());
      return null;
    }
    ReadProgress shown =
        switch (progress) {
          case AUTO -> new ReadProgress(err, ReadProgress.DEFAULT_MIN_BYTES);
          case ALWAYS -> new ReadProgress(err, 0);
          case NEVER -> ReadProgress.silent();
        };
    RecordedTraces recorded;
    try {
      recorded = RecordedTraces.read(inputs, shown);
    } catch (RecordingException e) {
      err.println(e.getMessage());
      return null;
    }
    if (recorded.rejectedSpanCount() > 0) {
      err.printf(
          "skipped %d spans with invalid trace or span ids (the receiver rejects them too)%n",
          recorded.rejectedSpanCount());
    }
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    GenAiNormalizer genAi = new GenAiNormalizer(meters);
    return new Loaded(
        recorded,
        genAi,
        new Replay(new DecisionEngine(loaded.policies(), Clock.systemUTC(), meters), genAi));
  }
}
