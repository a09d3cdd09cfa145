package dev.llmtail.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one benchmark command: runs the decode floor, pass-through and llmtail with the shipped
 * policy set (and the shipped config at its trace bound) over the same pre-encoded traffic mix, in
 * one run on one machine, and prints the table of docs/performance.md.
 *
 * <p>Each configuration runs on each input of {@code --inputs}: the 10-span "mix" and the
 * LLM-shaped "llm" input of {@link TrafficMix}. {@link #USAGE} lists the options.
 */
public final class BenchmarkRun {

  private static final int REQUESTS = 40;
  private static final int TRACES_PER_REQUEST = 50;
  private static final int SEQ_CAPACITY = 4_000_000;
  private static final double HEAP_WIRE_BYTES = 53.4e6;

  static final String USAGE =
      """
      usage: java -jar sampler-bench/target/llmtail-bench.jar [--name=value ...]
        --configs=a,b,c,e,d  rows: (a) decode floor, (b) pass-through, (c) shipped policy set,
                             (e)/(f) (c) with the span log, sync os/always, (d) (c) at the bound
        --inputs=mix,llm     mix: 6-14-span traces; llm: 3-4-span traces, 2-8 KiB prompts and
                             outputs on every LLM span
        --duration=20        measured seconds per row
        --warmup=5           seconds before measuring at least (llmtail rows wait one quiet
                             period more), then on in 5 s slices until llmtail's JIT compiler
                             threads used at most --jit-settled % of its CPU in the last slice
        --warmup-max=20      seconds of warm-up at most (at most --warmup: a fixed warm-up);
                             unset, 90 on the llm input, whose JIT settles after 75-90 s
        --jit-settled=3      % of llmtail's CPU the JIT may use in a settled 5 s slice (or 1 %
                             of a core; Linux only: elsewhere the warm-up is --warmup)
        --rate=0             spans/s on the mix input (0: as fast as possible)
        --llm-rate=2000      spans/s on the llm input (0: as fast as possible, bounded by
                             buffer.max_bytes: about 3 000 spans/s filled 256 MiB within the
                             10 s quiet period)
        --inflight=4         concurrent requests
        --config=config/llmtail.yaml   the shipped config the rows derive from
        --out=sampler-bench/target/bench   configs, logs and JFR files
        --jfr=false          record a JFR profile (settings=profile) of each llmtail
        --heap-spans=100000  spans sent for the heap measurement (at most 53 MB of wire bytes)
        --jvm-options=docker/jvm.options   llmtail's JVM options, those of the container image
        --xmx=2g             llmtail's heap (after --jvm-options, so it wins over a percentage)
        --jvm=               more JVM options after those, space-separated (e.g. a collector:
                             the file names none, so the JVM picks G1 here, Serial in a container
                             under 2 CPUs or 1792 MB)
      """;

  private final Map<String, String> options;
  private final List<BenchInput> inputs = new ArrayList<>();
  private final Path out;
  private final ReportTable table = new ReportTable();
  private List<String> jvmOptions = List.of();

  private BenchmarkRun(Map<String, String> options) {
    this.options = options;
    for (String name : options.getOrDefault("inputs", "mix,llm").split(",", -1)) {
      inputs.add(
          switch (name) {
            case "mix" ->
                new BenchInput(
                    name,
                    TrafficMix.build(REQUESTS, TRACES_PER_REQUEST, 7),
                    Double.parseDouble(options.getOrDefault("rate", "0")));
            case "llm" ->
                new BenchInput(
                    name,
                    TrafficMix.llm(REQUESTS, TRACES_PER_REQUEST, 7),
                    Double.parseDouble(options.getOrDefault("llm-rate", "2000")));
            default ->
                throw new IllegalArgumentException(
                    "--inputs: unknown input '" + name + "' (expected: mix, llm)");
          });
    }
    this.out = Path.of(options.getOrDefault("out", "sampler-bench/target/bench"));
  }

  /** Runs the configurations named by {@code --configs} on each input and prints the table. */
  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    for (String a : args) {
      String[] kv = a.replaceFirst("^--", "").split("=", 2);
      options.put(kv[0], kv.length > 1 ? kv[1] : "true");
    }
    if (options.containsKey("help") || options.containsKey("h")) {
      System.out.print(USAGE);
      return;
    }
    new BenchmarkRun(options).run();
  }

  /**
   * The warm-up's default cap: at 2 000 spans/s the llm input's JIT settles after 75-90 s (the
   * mix's rows within 20 s or never, when saturated), and a row measured before that counts
   * interpreted and C1 code as the steady state's cost.
   */
  private static int warmupMax(BenchInput input) {
    return input.name().equals("llm") ? 90 : 20;
  }

  private int seconds(String name, int defaultValue) {
    return Integer.parseInt(options.getOrDefault(name, Integer.toString(defaultValue)));
  }

  private void run() throws Exception {
    Files.createDirectories(out);
    MachineReport.print(inputs);
    jvmOptions =
        SidecarProcess.jvmOptions(
            Path.of(options.getOrDefault("jvm-options", "docker/jvm.options")),
            options.getOrDefault("xmx", "2g"),
            options.getOrDefault("jvm", ""));
    String shipped =
        Files.readString(Path.of(options.getOrDefault("config", "config/llmtail.yaml")));
    for (BenchInput input : inputs) {
      run(input, shipped);
    }
    table.print();
  }

  private void run(BenchInput input, String shipped) throws Exception {
    List<String> configs = Arrays.asList(options.getOrDefault("configs", "a,b,c,e,d").split(","));
    // (c) is llmtail in memory only, as before the span log; (e) and (f) add the span log.
    String memoryOnly = replace(shipped, SHIPPED_STORAGE, "directory: \"\"");
    if (configs.contains("a")) {
      table.add(DecodeFloor.measure(input, seconds("warmup", 5), seconds("duration", 20)));
    }
    try (LatencySink sink = new LatencySink()) {
      if (configs.contains("b")) {
        // Pass-through: the same receiver, buffer and exporter, but every trace is decided on the
        // first decision tick after its root span arrives and kept without a policy to ask.
        String yaml =
            replace(shipped, "quiet_period: 10s", "quiet_period: 1ms")
                .replaceAll(
                    "(?s)\npolicies:.*?\nexporter:",
                    "\npolicies:\n  - {name: all, type: always_sample}\n\nexporter:");
        measure(
            input,
            sink,
            "(b) pass-through",
            replace(yaml, SHIPPED_STORAGE, "directory: \"\""),
            Duration.ofMillis(1),
            false,
            null);
      }
      if (configs.contains("c")) {
        measure(input, sink, "(c) llmtail", memoryOnly, Duration.ofSeconds(10), true, null);
      }
      for (String sync : List.of("os", "always")) {
        String key = sync.equals("os") ? "e" : "f";
        if (configs.contains(key)) {
          Path data = out.resolve("span-log-" + sync);
          SpanLogFiles.deleteTree(data);
          String yaml =
              replace(shipped, SHIPPED_STORAGE, "directory: " + data.toAbsolutePath())
                  .replace("sync: os", "sync: " + sync);
          measure(input, sink, "(c) span log, " + sync, yaml, Duration.ofSeconds(10), true, data);
        }
      }
      if (configs.contains("d")) {
        measure(
            input,
            sink,
            "(d) llmtail at bound",
            replace(memoryOnly, "max_traces: 100000", "max_traces: 2000"),
            Duration.ofSeconds(10),
            false,
            null);
      }
    }
  }

  private static String replace(String yaml, String from, String to) {
    if (!yaml.contains(from)) {
      throw new IllegalArgumentException("the shipped config no longer contains '" + from + "'");
    }
    return yaml.replace(from, to);
  }

  /** The shipped config's span log line; the rows replace it. */
  private static final String SHIPPED_STORAGE = "directory: ${env:LLMTAIL_STORAGE_DIRECTORY:-data}";

  /**
   * Measures one configuration; with {@code spanLog} (its storage.directory) the note says how many
   * bytes the span log holds on disk per span accepted, once the run has drained.
   */
  private void measure(
      BenchInput input,
      LatencySink sink,
      String name,
      String yaml,
      Duration quiet,
      boolean heap,
      Path spanLog)
      throws Exception {
    String slug = (name + " " + input.name()).replaceAll("[^a-z]+", "-").replaceAll("^-|-$", "");
    Path config = out.resolve(slug + ".yaml");
    Files.writeString(config, yaml);
    List<String> jvm = new ArrayList<>(jvmOptions);
    if (Boolean.parseBoolean(options.getOrDefault("jfr", "false"))) {
      jvm.add(
          "-XX:StartFlightRecording=filename="
              + out.resolve(slug + ".jfr")
              + ",settings=profile,dumponexit=true");
    }
    double rate = input.rate();
    System.out.printf(
        "running %s on %s (log: %s)%n", name, input.name(), out.resolve(slug + ".log"));
    try (SidecarProcess llmtail =
            SidecarProcess.start(config, sink.endpoint(), jvm, out.resolve(slug + ".log"));
        LoadGenerator generator =
            new LoadGenerator(llmtail.port(), input.templates(), seconds("inflight", 4))) {
      generator.reset(SEQ_CAPACITY);
      sink.reset(SEQ_CAPACITY);
      long warmup = seconds("warmup", 5) * 1_000_000_000L + (heap ? quiet.toNanos() : 0);
      Optional<ThreadCpu> threads = llmtail.threads();
      Warmup.Result warm =
          Warmup.run(
              generator,
              rate,
              threads,
              warmup,
              Math.max(warmup, seconds("warmup-max", warmupMax(input)) * 1_000_000_000L),
              Double.parseDouble(options.getOrDefault("jit-settled", "3")) / 100);
      Optional<ThreadCpu.Snapshot> t0Threads = threads.map(ThreadCpu::snapshot);
      SidecarProcess.Stats s0 = llmtail.stats();
      long seq0 = generator.nextSequence();
      long spans0 = generator.acceptedSpans();
      long refused0 = generator.refusedRequests();
      long t0 = System.nanoTime();
      generator.run(t0 + seconds("duration", 20) * 1_000_000_000L, rate);
      double seconds = (System.nanoTime() - t0) / 1e9;
      SidecarProcess.Stats s1 = llmtail.stats();
      long seq1 = generator.nextSequence();
      long spans = generator.acceptedSpans() - spans0;

      // Every trace sent is decided within a quiet period (plus a tick and an export batch) unless
      // the deciding thread fell behind; wait for it, bounded.
      long drainStart = System.nanoTime();
      long drainEnd = drainStart + quiet.toNanos() + 60_000_000_000L;
      while (System.nanoTime() < drainEnd && llmtail.stats().bufferedTraces() > 0) {
        Thread.sleep(100);
      }
      double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
      Thread.sleep(1500); // the exporter's last batch
      // CPU and allocation from the window's start until its traffic is decided and exported: the
      // work for the spans accepted in the window and for those still buffered when it began
      // (their decisions fall in it), so that a backlog growing over the window does not hide
      // the deciding that is still owed.
      SidecarProcess.Stats s2 = llmtail.stats();
      Map<ThreadCpu.Group, Long> byGroup =
          threads.isPresent() && t0Threads.isPresent()
              ? threads.get().between(t0Threads.get(), threads.get().snapshot())
              : Map.of();
      double spansOwed = spans + s0.bufferedSpans();
      long[] latencies = LatencyStats.latencies(generator, sink, seq0, seq1);
      long refused = generator.refusedRequests() - refused0;
      double heapPerSpan = Double.NaN;
      String note =
          String.format(
                  Locale.ROOT,
                  "%s; peak RSS %s MB; load %.1f; backlog %+d traces over the window; drained in"
                      + " %.1f s%s",
                  warm.describe(),
                  llmtail.peakRssMegabytes(),
                  ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                  s1.bufferedTraces() - s0.bufferedTraces(),
                  drainSeconds,
                  s2.bufferedTraces() > 0
                      ? " (not drained: CPU and allocation miss " + s2.bufferedTraces() + " traces)"
                      : "")
              + (generator.failedRequests() > 0
                  ? "; " + generator.failedRequests() + " failed requests"
                  : "")
              + (generator.lastProblem().isEmpty()
                  ? ""
                  : "; last refusal: " + generator.lastProblem());
      if (heap) {
        heapPerSpan = heapPerBufferedSpan(llmtail, generator, quiet, input);
      }
      if (spanLog != null) {
        long onDisk = SpanLogFiles.bytesOnDisk(spanLog);
        long accepted = generator.acceptedSpans();
        note +=
            String.format(
                Locale.ROOT,
                "; span log %.0f MB on disk for %d spans accepted: %.0f disk B/span (= MB per"
                    + " million spans; dropped spans retained 1h, kept ones deleted once exported)",
                onDisk / 1e6,
                accepted,
                onDisk / (double) accepted);
      }
      table.add(
          new ReportTable.Row(
              name,
              input.name(),
              spans / seconds,
              (s2.cpuNanos() - s0.cpuNanos()) / 1e3 / spansOwed,
              input.spansPerTrace(),
              (s2.allocatedBytes() - s0.allocatedBytes()) / spansOwed,
              LatencyStats.percentile(latencies, 0.50),
              LatencyStats.percentile(latencies, 0.99),
              latencies.length,
              heapPerSpan,
              input.wirePerSpan(),
              s1.gcCount() - s0.gcCount(),
              s1.gcMillis() - s0.gcMillis(),
              refused,
              note,
              byGroup.isEmpty() ? "" : ThreadCpu.perSpan(byGroup, spansOwed),
              byGroup.isEmpty() ? Double.NaN : ThreadCpu.withoutJitPerSpan(byGroup, spansOwed)));
    }
  }

  /**
   * Heap per buffered span: from a drained llmtail, heap after GC, then one batch of traffic (sent
   * well within a quiet period, so nothing is decided yet), then heap after GC again.
   */
  private double heapPerBufferedSpan(
      SidecarProcess llmtail, LoadGenerator generator, Duration quiet, BenchInput input)
      throws Exception {
    SidecarProcess.Stats b = llmtail.stats();
    if (b.bufferedTraces() > 0) {
      System.out.printf(
          "heap measurement skipped: llmtail still buffers %d traces%n", b.bufferedTraces());
      return Double.NaN;
    }
    long before = llmtail.heapAfterGc();
    b = llmtail.stats();
    long deadline = System.nanoTime() + quiet.toNanos() / 2;
    // At most the mix's 100 000 spans' worth of wire bytes, well below buffer.max_bytes.
    long spansToSend =
        Math.min(
            Long.parseLong(options.getOrDefault("heap-spans", "100000")),
            (long) (HEAP_WIRE_BYTES / input.wirePerSpan()));
    generator.run(deadline, 0, spansToSend);
    SidecarProcess.Stats a = llmtail.stats();
    long after = llmtail.heapAfterGc();
    long spans = a.bufferedSpans() - b.bufferedSpans();
    if (a.decided() != b.decided() || spans <= 0) {
      System.out.printf(
          "heap measurement disturbed: %d decisions during it, %d spans buffered%n",
          a.decided() - b.decided(), spans);
      return Double.NaN;
    }
    System.out.printf(
        Locale.ROOT,
        "heap: %d spans buffered, %.0f stored bytes per span, heap %d -> %d bytes after GC%n",
        spans,
        (a.bufferedBytes() - b.bufferedBytes()) / (double) spans,
        before,
        after);
    return (after - before) / (double) spans;
  }
}
