package dev.llmtail.bench;

import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.server.config.ExporterConfig.CompressionParams;
import dev.llmtail.server.config.ExporterConfig.OtlpExporterConfig;
import dev.llmtail.server.exporter.OtlpGrpcExporter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;

/**
 * The exporter's sender thread, alone: CPU ns and allocated bytes per batch and per kept span that
 * {@code llmtail-otlp-spans} uses to send batches of the bench's traces to a sink on loopback, one
 * batch at a time, as the bench's kept traces arrive (a batch of about 16 mix spans per 50 ms batch
 * timeout).
 *
 * <p>In the bench, the sender's gRPC call runs about 20 times a second, too rarely for the JIT to
 * compile it within a run: most of its time is the interpreter's. Run with {@code -Xint} to measure
 * that state (a deterministic count of the interpreted work per call), without it for the compiled
 * state a long-running sidecar reaches. Arguments: the input ({@code mix} or {@code llm}), batches
 * measured (200), traces per batch (2), gzip level (1, or {@code none}: uncompressed), batches a
 * second (0: one after another; 10 is about the bench's llm row, whose sender then stays as cold as
 * in the bench).
 */
public final class ExporterCallCpu {

  private ExporterCallCpu() {}

  public static void main(String[] args) throws InterruptedException {
    String input = args.length > 0 ? args[0] : "mix";
    int batches = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int tracesPerBatch = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    String levelArg = args.length > 3 ? args[3] : "1";
    boolean uncompressed = levelArg.equals("none");
    int level = uncompressed ? 1 : Integer.parseInt(levelArg);
    int perSecond = args.length > 4 ? Integer.parseInt(args[4]) : 0;
    long pauseNanos = perSecond > 0 ? 1_000_000_000L / perSecond : 0;
    List<TraceFragment> traces = traces(input);
    try (LatencySink sink = new LatencySink()) {
      OtlpGrpcExporter exporter =
          new OtlpGrpcExporter(
              new OtlpExporterConfig(
                  sink.endpoint(),
                  null,
                  uncompressed ? "none" : "gzip",
                  new CompressionParams(level),
                  null,
                  null,
                  null,
                  null,
                  Duration.ofMillis(1),
                  null,
                  null,
                  null),
              new SimpleMeterRegistry());
      com.sun.management.ThreadMXBean threads =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long sender = senderThreadId();
      Semaphore settled = new Semaphore(0);
      int next = 0;
      long spans = 0;
      long startCpu = 0;
      long startAllocated = 0;
      int warmup = Math.max(20, batches / 5);
      for (int b = 0; b < warmup + batches; b++) {
        if (b == warmup) {
          startCpu = threads.getThreadCpuTime(sender);
          startAllocated = threads.getThreadAllocatedBytes(sender);
          spans = 0;
        }
        List<byte[]> batch = new ArrayList<>();
        int count = 0;
        for (int t = 0; t < tracesPerBatch; t++) {
          TraceFragment f = traces.get(next++ % traces.size());
          batch.add(f.encoded());
          count += f.spanCount();
        }
        spans += count;
        long sentAt = System.nanoTime();
        exporter.exportEncoded(batch, count, settled::release);
        settled.acquire();
        long pause = pauseNanos - (System.nanoTime() - sentAt);
        if (pause > 0) {
          Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
        }
      }
      long cpu = threads.getThreadCpuTime(sender) - startCpu;
      long allocated = threads.getThreadAllocatedBytes(sender) - startAllocated;
      exporter.shutdown(Duration.ofSeconds(5));
      System.out.printf(
          Locale.ROOT,
          "%s, %s, %d batches of %.1f spans: sender CPU %.1f us per batch, %.2f us per"
              + " kept span; allocated %.0f B per batch, %.0f B per kept span%n",
          input,
          uncompressed ? "uncompressed" : "gzip level " + level,
          batches,
          (double) spans / batches,
          cpu / 1e3 / batches,
          cpu / 1e3 / spans,
          (double) allocated / batches,
          (double) allocated / spans);
    }
  }

  private static List<TraceFragment> traces(String input) {
    List<TraceFragment> fragments = new ArrayList<>();
    List<TrafficMix.Template> templates =
        switch (input) {
          case "mix" -> TrafficMix.build(BenchData.REQUESTS, 50, 7);
          case "llm" -> TrafficMix.llm(BenchData.REQUESTS, 50, 7);
          default ->
              throw new IllegalArgumentException(
                  "input: " + input + " (expected: mix or llm, as in --inputs)");
        };
    long seq = 1;
    for (TrafficMix.Template t : templates) {
      fragments.addAll(BenchData.slice(t.stamp(seq)).group().fragments());
      seq += t.traces();
    }
    return fragments;
  }

  private static long senderThreadId() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("llmtail-otlp-spans")) {
        return t.getId();
      }
    }
    throw new IllegalStateException("no llmtail-otlp-spans thread: did the exporter start?");
  }
}
