package dev.llmtail.bench;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.server.config.HostPort;
import dev.llmtail.server.receiver.OtlpGrpcReceiver;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The OTLP/gRPC receiver alone, in one JVM: a client on event loops of its own sends the bench's
 * requests one after another (or at a fixed rate), and the CPU time and allocation of the
 * receiver's threads (gRPC's Netty event loops, which also slice and admit here: there is no span
 * log) are read per request. The buffer's traces are decided, with no policies, on this thread,
 * which is not counted. For before/after comparisons of receiving; the sidecar's bench row is the
 * reference.
 */
public final class GrpcReceiveCpuTime {

  private GrpcReceiveCpuTime() {}

  /**
   * Prints CPU µs and allocated bytes per request and per span of the receiving threads; the
   * arguments are the seconds measured (10), the input ({@code mix} or {@code llm}) and the
   * requests per second (0: one after another).
   */
  public static void main(String[] args) throws Exception {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : 10;
    String input = args.length > 1 ? args[1] : "mix";
    double rate = args.length > 2 ? Double.parseDouble(args[2]) : 0;
    List<TrafficMix.Template> templates = BenchData.templates(input);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    DecisionEngine engine = new DecisionEngine(List.of(), Clock.systemUTC(), meters);
    TraceBuffer buffer =
        TraceBuffer.builder()
            .settings(BenchData.bufferSettings())
            .engine(() -> engine)
            .listener(DecisionListener.ofDecided((decision, trace) -> {}))
            .meters(meters)
            .build();
    EventLoopGroup clientLoop =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("client"), NioIoHandler.newFactory());
    try (OtlpGrpcReceiver receiver =
        new OtlpGrpcReceiver(HostPort.parse("endpoint", "127.0.0.1:0"), 64 << 20, buffer, meters)
            .start()) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", receiver.port())
              .eventLoopGroup(clientLoop)
              .channelType(NioSocketChannel.class)
              .usePlaintext()
              .build();
      Sender sender = new Sender(channel, templates, buffer);
      for (int round = 0; round < 2; round++) {
        sender.send(seconds, rate);
        ReceivingThreads t0 = ReceivingThreads.read();
        long requests = sender.send(seconds, rate);
        ReceivingThreads t1 = ReceivingThreads.read();
        double spans = (double) requests * sender.spansPerRequest();
        System.out.printf(
            Locale.ROOT,
            "%s, %s input, %s: %d requests; receiving CPU %.0f µs/request (event loops %.0f,"
                + " pool %.0f), %.2f µs/span; allocated %.0f B/request, %.0f B/span%n",
            round == 0 ? "warm-up" : "measured",
            input,
            rate > 0 ? rate + " requests/s" : "one request after another",
            requests,
            (t1.cpuNanos(true) + t1.cpuNanos(false) - t0.cpuNanos(true) - t0.cpuNanos(false))
                / 1e3
                / requests,
            (t1.cpuNanos(true) - t0.cpuNanos(true)) / 1e3 / requests,
            (t1.cpuNanos(false) - t0.cpuNanos(false)) / 1e3 / requests,
            (t1.cpuNanos(true) + t1.cpuNanos(false) - t0.cpuNanos(true) - t0.cpuNanos(false))
                / 1e3
                / spans,
            (double) (t1.allocated() - t0.allocated()) / requests,
            (t1.allocated() - t0.allocated()) / spans);
      }
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } finally {
      clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
  }

  /** Sends the templates' requests, stamped with fresh trace ids, and decides what they buffer. */
  private static final class Sender {
    private final ManagedChannel channel;
    private final List<TrafficMix.Template> templates;
    private final TraceBuffer buffer;
    private long seq = 1;
    private int next;

    Sender(ManagedChannel channel, List<TrafficMix.Template> templates, TraceBuffer buffer) {
      this.channel = channel;
      this.templates = templates;
      this.buffer = buffer;
    }

    double spansPerRequest() {
      return templates.stream().mapToInt(TrafficMix.Template::spans).average().orElse(0);
    }

    /** Sends for {@code seconds}; returns how many requests were answered. */
    long send(long seconds, double rate) throws InterruptedException {
      long start = System.nanoTime();
      long end = start + seconds * 1_000_000_000L;
      long requests = 0;
      while (System.nanoTime() < end) {
        if (rate > 0) {
          long wait = start + (long) (requests / rate * 1e9) - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
        TrafficMix.Template t = templates.get(next);
        next = (next + 1) % templates.size();
        byte[] body = t.stamp(seq);
        seq += t.traces();
        ClientCalls.blockingUnaryCall(
            channel,
            RawBytes.EXPORT,
            CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
            body);
        requests++;
        buffer.decideAll(DecisionTrigger.COMPLETE);
      }
      return requests;
    }
  }

  /** CPU time and allocation so far of the receiving threads, by kind. */
  private record ReceivingThreads(long loopNanos, long poolNanos, long allocated) {

    static ReceivingThreads read() {
      com.sun.management.ThreadMXBean threads =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long loop = 0;
      long pool = 0;
      long allocated = 0;
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        String name = t.getName();
        boolean isLoop = name.startsWith("grpc-nio-worker") || name.startsWith("grpc-default");
        boolean isPool = name.startsWith("llmtail-grpc-receiver");
        if (isLoop || isPool) {
          long cpu = Math.max(0, threads.getThreadCpuTime(t.getId()));
          if (isLoop) {
            loop += cpu;
          } else {
            pool += cpu;
          }
          allocated += Math.max(0, threads.getThreadAllocatedBytes(t.getId()));
        }
      }
      return new ReceivingThreads(loop, pool, allocated);
    }

    long cpuNanos(boolean loops) {
      return loops ? loopNanos : poolNanos;
    }
  }
}
