package dev.llmtail.server;

import dev.llmtail.core.SamplingAnnotations;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.server.replay.ReplayReport;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code llmtail explain}: every policy's verdict and evidence for one recorded trace. */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description = {
      "Print every policy's verdict and evidence for one recorded trace.",
      "Exit 0, or 1 if the config or an input cannot be read or the trace is not in it."
    })
final class ExplainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ReplayInputs inputs;

  @Option(
      names = {"-t", "--trace"},
      required = true,
      paramLabel = "ID",
      description = "trace id, 32 hex digits")
  String trace;

  @Parameters(arity = "1..*", paramLabel = "INPUT", description = "recorded traces (OTLP JSON)")
  List<Path> recordings;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    TraceId id;
    try {
      id = TraceId.fromHex(trace.trim().toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      err.println("--trace: " + e.getMessage());
      return LlmtailCommand.CONFIG_ERROR;
    }
    ReplayInputs.Loaded loaded = inputs.load(spec, recordings);
    if (loaded == null) {
      return LlmtailCommand.CONFIG_ERROR;
    }
    Optional<TraceView> view = loaded.recorded().view(id, loaded.genAi());
    if (view.isEmpty()) {
      err.printf(
          "trace %s is not in %s (%d traces read; `llmtail replay` lists them)%n",
          id.toHex(),
          recordings.stream().map(Path::toString).collect(Collectors.joining(", ")),
          loaded.recorded().traceIds().size());
      return LlmtailCommand.CONFIG_ERROR;
    }
    ReplayReport.explain(
        loaded.replay().decide(view.get()),
        promotedAs(view.get()),
        inputs.format,
        spec.commandLine().getOut());
    return 0;
  }

  /** The reason a live llmtail kept the recorded trace with after a drop, if it was promoted. */
  private static Optional<String> promotedAs(TraceView trace) {
    for (SpanView s : trace.spans()) {
      boolean promoted =
          s.attribute(SamplingAnnotations.PROMOTED).map(AnyValue::getBoolValue).orElse(false);
      if (promoted) {
        return Optional.of(
            s.attribute(SamplingAnnotations.REASON)
                .map(AnyValue::getStringValue)
                .orElse("no reason recorded"));
      }
    }
    return Optional.empty();
  }
}
