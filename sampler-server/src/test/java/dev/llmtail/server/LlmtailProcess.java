package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code llmtail run} as a real process on this test's class path, its output in a file: for tests
 * that stop it with a signal. Started once both receivers listen.
 */
final class LlmtailProcess {

  private static final Pattern PORTS =
      Pattern.compile("OTLP/gRPC on port (\\d+), OTLP/HTTP on port (\\d+)");

  final Process process;
  final Path log;
  final int grpcPort;
  final int httpPort;

  private LlmtailProcess(Process process, Path log, int grpcPort, int httpPort) {
    this.process = process;
    this.log = log;
    this.grpcPort = grpcPort;
    this.httpPort = httpPort;
  }

  /** Runs {@code llmtail run -c config} plus {@code runArgs}, output to {@code log}. */
  static LlmtailProcess start(Path config, Path log, String... runArgs) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "run",
                "-c",
                config.toString()));
    command.addAll(List.of(runArgs));
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            // A file, not a pipe: the JDK closes a process's pipe under a concurrent reader when
            // the process exits, losing its last lines.
            .redirectOutput(log.toFile())
            .start();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> PORTS.matcher(output(log)).find() || !process.isAlive());
    Matcher m = PORTS.matcher(output(log));
    assertThat(m.find()).as(output(log)).isTrue();
    return new LlmtailProcess(
        process, log, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
  }

  /** What the process printed so far. */
  String output() throws IOException {
    return output(log);
  }

  private static String output(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }
}
