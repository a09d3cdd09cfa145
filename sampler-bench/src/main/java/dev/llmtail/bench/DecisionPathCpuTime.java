package dev.llmtail.bench;

import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.server.BenchDecisionPath;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The whole decision path of the mix (or llm) input on one thread, in CPU time and allocated bytes
 * per decided span, wired as the sidecar wires it ({@link BenchDecisionPath}: the shipped config,
 * its meters over a Prometheus registry, every decision listener including the exporter's enqueue
 * of kept traces to a sink in this JVM): requests admitted at 5 000 spans/s of a fake clock, and
 * every trace decided once its quiet period passed, as the sidecar's deciders do — its fragments
 * read back ten seconds (of the fake clock: some 100 requests) after they were stored, decoded,
 * normalised, decided by the shipped policy set, remembered, and told to every listener. Trace ids
 * never repeat, so no fragment is late. {@link HotPathCpuTime} measures the normaliser and the
 * policy set alone; the difference is the buffer, the decode and the listeners.
 *
 * <p>With the argument {@code fresh}, every trace is decided right after its request was admitted
 * instead (fragments still in the processor's caches); the difference to the default is what
 * reading ten-second-old fragments costs. Stamping and slicing the requests (the receivers' work)
 * is outside the measured time. With the argument {@code llm}, the input is the bench's LLM-shaped
 * one ({@code --inputs=llm}) at its rate.
 */
public final class DecisionPathCpuTime {

  private final TrafficMix.Template[] templates;
  private final TraceBuffer buffer;
  private final MeterRegistry meters;
  private final boolean fresh;

  /** Spans a second of the fake clock, the rate of the bench's fixed-rate rows for the input. */
  private final long spansPerSecond;

  private long seq = 1;

  private DecisionPathCpuTime(BenchDecisionPath path, boolean fresh, String input) {
    this.buffer = path.buffer();
    this.meters = path.meters();
    this.fresh = fresh;
    this.templates = BenchData.templates(input).toArray(new TrafficMix.Template[0]);
    this.spansPerSecond = input.equals("llm") ? 2_000 : 5_000;
  }

  /**
   * Prints CPU ns and allocated bytes per decided span; the arguments are the seconds measured (5)
   * and optionally {@code fresh} and the input {@code llm} (the default {@code mix}).
   */
  public static void main(String[] args) {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : 5;
    List<String> rest = args.length > 1 ? List.of(args).subList(1, args.length) : List.of();
    boolean fresh = rest.contains("fresh");
    String input = rest.contains("llm") ? "llm" : "mix";
    AtomicLong clock = new AtomicLong();
    try (LatencySink sink = new LatencySink();
        BenchDecisionPath path =
            new BenchDecisionPath(
                BenchData.shippedConfig(Map.of("LLMTAIL_EXPORTER_ENDPOINT", sink.endpoint())),
                clock::get)) {
      DecisionPathCpuTime bench = new DecisionPathCpuTime(path, fresh, input);
      for (int round = 0; round < 2; round++) {
        double[] perSpan = bench.measure(seconds, clock);
        System.out.printf(
            Locale.ROOT,
            "%s, %s input, decided %s: admit and decide %.0f CPU ns/span, %.0f B allocated/span%n",
            round == 0 ? "warm-up" : "measured",
            input,
            fresh ? "at once" : "after the quiet period",
            perSpan[0],
            perSpan[1]);
      }
    }
  }

  /**
   * Admits and decides for {@code seconds}; returns CPU ns and allocated bytes per decided span.
   */
  private double[] measure(long seconds, AtomicLong clock) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long cpu = 0;
    long bytes = 0;
    double spans0 = decidedSpans();
    while (System.nanoTime() < end) {
      List<List<TraceFragment>> requests = nextRequests();
      long cpu0 = threads.getCurrentThreadCpuTime();
      long bytes0 = threads.getThreadAllocatedBytes(thread);
      int admitted = 0;
      for (List<TraceFragment> request : requests) {
        buffer.admit(request);
        for (TraceFragment f : request) {
          admitted += f.spanCount();
        }
      }
      clock.addAndGet(admitted * 1_000_000_000L / spansPerSecond);
      if (fresh) {
        buffer.decideAll(DecisionTrigger.COMPLETE);
      } else {
        buffer.decideDue();
      }
      cpu += threads.getCurrentThreadCpuTime() - cpu0;
      bytes += threads.getThreadAllocatedBytes(thread) - bytes0;
    }
    double spans = decidedSpans() - spans0;
    return new double[] {cpu / spans, bytes / spans};
  }

  /** The next requests of the mix, each trace numbered anew, sliced and grouped by trace. */
  private List<List<TraceFragment>> nextRequests() {
    List<List<TraceFragment>> requests = new ArrayList<>(templates.length);
    for (TrafficMix.Template t : templates) {
      requests.add(BenchData.slice(t.stamp(seq)).group().fragments());
      seq += t.traces();
    }
    return requests;
  }

  /** Spans of decided traces so far, kept or dropped ({@code llmtail.spans}). */
  private double decidedSpans() {
    return meters.find("llmtail.spans").counters().stream().mapToDouble(Counter::count).sum();
  }
}
