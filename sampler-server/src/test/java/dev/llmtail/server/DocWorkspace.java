package dev.llmtail.server;

import dev.llmtail.server.exporter.FileExporter;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * A directory that holds every file the documented commands name, standing in for the repository
 * root a reader runs them from: the shipped config, a recording of kept traces as the file exporter
 * writes it, and a Collector config with a {@code tail_sampling} processor.
 */
final class DocWorkspace {

  /**
   * In the recordings: kept by the shipped {@code refusals} policy; the id docs/configuration.md
   * explains.
   */
  static final String REFUSED_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  /** In the recordings: a healthy chat whose randomness is below the 5 % baseline, so dropped. */
  static final String HEALTHY_TRACE = "0af7651916cd43dd8400000000000001";

  static final Path REPOSITORY = Path.of("..");
  private static final Path COLLECTOR_CONFIG =
      Path.of("src/test/resources/collector/production-errors-slow-baseline.yaml");

  /** Files the docs name, and what each holds here. */
  private static final Map<String, Path> COPIES =
      Map.of(
          "config/llmtail.yaml", TestPorts.SHIPPED_CONFIG,
          "my-llmtail.yaml", TestPorts.SHIPPED_CONFIG,
          "new-policies.yaml", TestPorts.SHIPPED_CONFIG,
          "otelcol.yaml", COLLECTOR_CONFIG);

  private static final List<String> RECORDINGS = List.of("recorded.jsonl", "kept.jsonl");

  /** The labelled corpus of real instrumentation traces the docs replay, linked, not copied. */
  static final String CORPUS = "src-test-fixtures/recorded";

  /** Words of a documented command that stand for a file or a value, and what they become here. */
  private static final Map<String, String> PLACEHOLDERS =
      Map.of("FILE", "config/llmtail.yaml", "ID", REFUSED_TRACE, "<trace id>", REFUSED_TRACE);

  /** What {@code llmtail ARGS} printed and returned. */
  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private final Path dir;

  private DocWorkspace(Path dir) {
    this.dir = dir;
  }

  /** Fills {@code dir} with the files the docs name. */
  static DocWorkspace create(Path dir) throws IOException {
    for (Map.Entry<String, Path> copy : COPIES.entrySet()) {
      Path to = dir.resolve(copy.getKey());
      Files.createDirectories(to.getParent());
      Files.copy(copy.getValue(), to);
    }
    for (String recording : RECORDINGS) {
      record(dir.resolve(recording));
    }
    Path corpus = dir.resolve(CORPUS);
    Files.createDirectories(corpus.getParent());
    Files.createSymbolicLink(corpus, REPOSITORY.resolve(CORPUS).toAbsolutePath().normalize());
    return new DocWorkspace(dir);
  }

  /** An empty workspace, for commands over files a test writes itself. */
  static DocWorkspace empty(Path dir) {
    return new DocWorkspace(dir);
  }

  private static void record(Path file) {
    FileExporter exporter = new FileExporter(file, new SimpleMeterRegistry());
    for (TraceBuilder trace :
        List.of(
            LlmTraces.chat(
                REFUSED_TRACE,
                Dialect.OTEL_GENAI,
                LlmCallSpec.healthy().finishReason("content_filter")),
            LlmTraces.chat(HEALTHY_TRACE, Dialect.OPENINFERENCE, LlmCallSpec.healthy()))) {
      exporter.export(List.of(trace.resourceSpans()), 2);
    }
    exporter.shutdown(Duration.ofSeconds(5));
  }

  Path dir() {
    return dir;
  }

  Path resolve(String file) {
    return dir.resolve(file);
  }

  /** The arguments of a documented {@code llmtail} command line, placeholders replaced. */
  static List<String> arguments(String documented) {
    String line = documented;
    for (Map.Entry<String, String> p : PLACEHOLDERS.entrySet()) {
      if (p.getKey().contains(" ")) {
        line = line.replace(p.getKey(), p.getValue());
      }
    }
    List<String> args = new ArrayList<>();
    for (String word : ShellWords.words(line)) {
      args.add(PLACEHOLDERS.getOrDefault(word, word));
    }
    return args;
  }

  /**
   * Runs {@code llmtail ARGS} in this JVM through the command line the jar's main uses, as if from
   * this directory: an argument naming a file here, or following {@code -o}, is resolved against
   * it, and the directory is cut from what is printed.
   */
  Result llmtail(List<String> args) {
    List<String> resolved = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      boolean output = i > 0 && List.of("-o", "--output").contains(args.get(i - 1));
      resolved.add(
          output || (!arg.startsWith("-") && Files.exists(dir.resolve(arg)))
              ? dir.resolve(arg).toString()
              : arg);
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(resolved.toArray(String[]::new));
    String here = dir + dir.getFileSystem().getSeparator();
    return new Result(exit, out.toString().replace(here, ""), err.toString().replace(here, ""));
  }
}
