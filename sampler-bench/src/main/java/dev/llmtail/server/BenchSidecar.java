package dev.llmtail.server;

import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The llmtail under test, in its own JVM so that its CPU, heap and GC are measured apart from the
 * load generator: starts a {@link Sidecar} from a config file and answers one-line commands on
 * stdin ({@code stats}, {@code heap}, {@code quit}) on stdout.
 *
 * <p>Lives in {@code dev.llmtail.server} because {@code Sidecar} is package-private; it adds no
 * behaviour, only the measuring hooks a benchmark needs.
 */
public final class BenchSidecar {

  private BenchSidecar() {}

  /** {@code args}: config file, exporter endpoint (host:port of the sink). */
  public static void main(String[] args) throws Exception {
    Path config = Path.of(args[0]);
    LlmtailConfig parsed =
        ConfigLoader.withEnvironment(
                Map.of(
                    "LLMTAIL_GRPC_ENDPOINT", "127.0.0.1:0",
                    "LLMTAIL_HTTP_ENDPOINT", "127.0.0.1:0",
                    "LLMTAIL_ADMIN_ENDPOINT", "127.0.0.1:0",
                    "LLMTAIL_EXPORTER_ENDPOINT", args[1]))
            .parse(config, Files.readString(config));
    // As `llmtail run` passes it: the sidecar's meters go straight on it (SidecarMeters).
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Sidecar sidecar = Sidecar.start(parsed, meters, Duration.ofSeconds(10));
    System.out.println("READY " + sidecar.grpcPort());
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      switch (line.trim()) {
        case "stats" -> System.out.println("STATS " + stats(sidecar, meters));
        case "heap" -> System.out.println("HEAP " + heapAfterGc());
        case "quit" -> {
          sidecar.close();
          System.out.println("BYE");
          System.out.flush();
          return;
        }
        default -> System.out.println("ERR unknown command " + line);
      }
      System.out.flush();
    }
    sidecar.close();
  }

  /**
   * cpuNanos gcCount gcMillis bufferedTraces bufferedSpans bufferedBytes decided allocatedBytes.
   */
  private static String stats(Sidecar sidecar, MeterRegistry meters) {
    long gcCount = 0;
    long gcMillis = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcCount += Math.max(0, gc.getCollectionCount());
      gcMillis += Math.max(0, gc.getCollectionTime());
    }
    long cpu =
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    Gauge spans = meters.find("llmtail.buffer.spans").gauge();
    double decided =
        meters.find("llmtail.decisions").counters().stream().mapToDouble(c -> c.count()).sum();
    return cpu
        + " "
        + gcCount
        + " "
        + gcMillis
        + " "
        + sidecar.buffer().bufferedTraces()
        + " "
        + (spans == null ? 0 : (long) spans.value())
        + " "
        + sidecar.buffer().bufferedBytes()
        + " "
        + (long) decided
        + " "
        + allocatedBytes();
  }

  /**
   * Heap bytes allocated so far by the live threads of this JVM (receivers, deciders, exporter,
   * timers): unlike CPU time, the same for the same work however loaded the machine is. A thread
   * that has ended takes its count with it; llmtail's threads live as long as the sidecar.
   */
  private static long allocatedBytes() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long total = 0;
    for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      total += Math.max(0, bytes);
    }
    return total;
  }

  /** Heap in use after a full collection (run twice so that finalizable garbage is gone too). */
  private static long heapAfterGc() {
    System.gc();
    System.gc();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return heap.getUsed();
  }
}
