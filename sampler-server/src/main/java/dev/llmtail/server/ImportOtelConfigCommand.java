package dev.llmtail.server;

import dev.llmtail.server.config.CollectorConfigImport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code llmtail import-otel-config}: a Collector's tail_sampling processor as an llmtail config.
 */
@Command(
    name = "import-otel-config",
    mixinStandardHelpOptions = true,
    description =
        "Convert the tail_sampling processor of an OpenTelemetry Collector config into an llmtail"
            + " config (printed on stdout, or written with -o); what cannot be converted, and what"
            + " converts with a difference, is listed on stderr with the reason.")
final class ImportOtelConfigCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "OpenTelemetry Collector YAML config")
  Path collectorConfig;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "write the llmtail config here instead of stdout")
  Path output;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    CollectorConfigImport.Result result;
    try {
      result =
          CollectorConfigImport.convert(
              collectorConfig.toString(), Files.readString(collectorConfig));
    } catch (NoSuchFileException e) {
      err.println(collectorConfig + ": no such file");
      return LlmtailCommand.CONFIG_ERROR;
    } catch (IOException e) {
      err.println(collectorConfig + ": cannot read: " + e.getMessage());
      return LlmtailCommand.CONFIG_ERROR;
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage()); // names the file and line
      return LlmtailCommand.CONFIG_ERROR;
    }
    if (output == null) {
      PrintWriter out = spec.commandLine().getOut();
      out.print(result.yaml());
      out.flush(); // picocli's writer flushes on println only; main() exits right after
    } else {
      try {
        Files.writeString(output, result.yaml());
      } catch (IOException e) {
        err.println(output + ": cannot write: " + e.getMessage());
        return LlmtailCommand.CONFIG_ERROR;
      }
    }
    list(err, "Converted with a difference", result.differences());
    list(err, "Not converted", result.notConverted());
    err.flush();
    return 0;
  }

  private static void list(PrintWriter err, String title, List<String> lines) {
    if (!lines.isEmpty()) {
      err.println(title + " (" + lines.size() + "):");
      lines.forEach(line -> err.println("  " + line));
    }
  }
}
