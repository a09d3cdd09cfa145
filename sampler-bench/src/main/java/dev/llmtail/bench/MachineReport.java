package dev.llmtail.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Prints the machine and the inputs a benchmark run measures, ahead of its table. */
final class MachineReport {

  private MachineReport() {}

  static void print(List<BenchInput> inputs) throws IOException {
    String cpu = "unknown";
    Path cpuinfo = Path.of("/proc/cpuinfo");
    if (Files.isReadable(cpuinfo)) {
      cpu =
          Files.readAllLines(cpuinfo).stream()
              .filter(l -> l.startsWith("model name"))
              .map(l -> l.substring(l.indexOf(':') + 1).trim())
              .findFirst()
              .orElse(cpu);
    }
    System.out.printf(
        Locale.ROOT,
        "machine: %d cores (%s), %s %s, Java %s (%s), load average %.2f, %s%n",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        System.getProperty("java.version"),
        System.getProperty("java.vm.name"),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Instant.now());
    for (BenchInput input : inputs) {
      System.out.printf(
          Locale.ROOT,
          "input %s: %d pre-encoded requests, %d traces, %d spans (%.1f per trace), %.0f wire bytes"
              + " per span, sent at %s%n",
          input.name(),
          input.templates().size(),
          input.traces(),
          input.spans(),
          input.spansPerTrace(),
          input.wirePerSpan(),
          input.rate() > 0
              ? String.format(Locale.ROOT, "%.0f spans/s", input.rate())
              : "full speed");
    }
  }
}
