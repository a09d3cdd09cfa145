package dev.llmtail.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * llmtail in a child JVM ({@code dev.llmtail.server.BenchSidecar}), so that its CPU time, heap and
 * GC pauses are its own and not the generator's. Commands go over the child's stdin/stdout; its log
 * goes to a file.
 */
final class SidecarProcess implements AutoCloseable {

  /** A snapshot of the child's counters. */
  record Stats(
      long cpuNanos,
      long gcCount,
      long gcMillis,
      long bufferedTraces,
      long bufferedSpans,
      long bufferedBytes,
      long decided,
      long allocatedBytes) {

    static Stats parse(String line) {
      String[] f = line.split(" ", -1);
      return new Stats(
          Long.parseLong(f[1]),
          Long.parseLong(f[2]),
          Long.parseLong(f[3]),
          Long.parseLong(f[4]),
          Long.parseLong(f[5]),
          Long.parseLong(f[6]),
          Long.parseLong(f[7]),
          Long.parseLong(f[8]));
    }
  }

  private final Process process;
  private final BufferedReader out;
  private final Writer in;
  private final int port;

  private SidecarProcess(Process process) throws IOException {
    this.process = process;
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    String ready = expect("READY");
    this.port = Integer.parseInt(ready.substring("READY ".length()).trim());
  }

  /**
   * Starts llmtail with {@code config}, exporting to {@code sinkEndpoint}; waits until it listens.
   */
  static SidecarProcess start(Path config, String sinkEndpoint, List<String> jvmOptions, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.llmtail.server.BenchSidecar");
    command.add(config.toString());
    command.add(sinkEndpoint);
    Process p =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(log.toFile())).start();
    try {
      return new SidecarProcess(p);
    } catch (IOException | RuntimeException e) {
      p.destroyForcibly();
      throw e;
    }
  }

  /**
   * llmtail's JVM options: the container image's options file ({@code @file}), then {@code -Xmx},
   * then {@code more} (space-separated); prints them with the file's flags spelled out.
   */
  static List<String> jvmOptions(Path file, String xmx, String more) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(
          "--jvm-options: cannot read "
              + file.toAbsolutePath()
              + " (run from the repository root, or name the image's JVM options file)");
    }
    List<String> options = new ArrayList<>();
    options.add("@" + file.toAbsolutePath());
    options.add("-Xmx" + xmx);
    if (!more.isBlank()) {
      options.addAll(List.of(more.strip().split("\\s+")));
    }
    String flags =
        Files.readAllLines(file).stream()
            .map(l -> l.replaceFirst("#.*", "").strip())
            .filter(l -> !l.isEmpty())
            .collect(Collectors.joining(" "));
    System.out.printf(
        "llmtail's JVM: %s (%s) %s%n",
        file, flags, String.join(" ", options.subList(1, options.size())));
    return List.copyOf(options);
  }

  private String expect(String prefix) throws IOException {
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    throw new IOException("llmtail exited (code " + exitCode() + ") before answering " + prefix);
  }

  private String exitCode() {
    try {
      return process.waitFor(2, TimeUnit.SECONDS)
          ? Integer.toString(process.exitValue())
          : "still running";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  private String ask(String command, String prefix) throws IOException {
    in.write(command + "\n");
    in.flush();
    return expect(prefix);
  }

  int port() {
    return port;
  }

  /** The child's peak resident memory (Linux's VmHWM) in MB, or "?" where there is no /proc. */
  String peakRssMegabytes() throws IOException {
    Path status = Path.of("/proc", Long.toString(process.pid()), "status");
    if (!Files.isReadable(status)) {
      return "?";
    }
    return Files.readAllLines(status).stream()
        .filter(l -> l.startsWith("VmHWM:"))
        .map(l -> Long.toString(Long.parseLong(l.replaceAll("\\D", "")) / 1024))
        .findFirst()
        .orElse("?");
  }

  /** The child's CPU time by thread group, where the operating system shows its threads. */
  Optional<ThreadCpu> threads() {
    return ThreadCpu.of(process.pid());
  }

  Stats stats() throws IOException {
    return Stats.parse(ask("stats", "STATS"));
  }

  /** Heap bytes in use after a full GC in the child. */
  long heapAfterGc() throws IOException {
    return Long.parseLong(ask("heap", "HEAP").substring("HEAP ".length()).trim());
  }

  @Override
  public void close() throws IOException {
    try {
      if (process.isAlive()) {
        ask("quit", "BYE");
      }
    } finally {
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
