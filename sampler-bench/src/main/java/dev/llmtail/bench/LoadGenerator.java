package dev.llmtail.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Sends the pre-encoded traffic mix to one OTLP/gRPC endpoint on loopback, as fast as it can with a
 * bounded number of requests in flight, or at a fixed span rate; records when each trace was sent.
 * Refused requests (RESOURCE_EXHAUSTED, UNAVAILABLE) are counted, not retried.
 */
final class LoadGenerator implements AutoCloseable {

  private final ManagedChannel channel;
  private final List<TrafficMix.Template> templates;
  private final int inFlight;
  private final AtomicLong acceptedSpans = new AtomicLong();
  private final AtomicLong acceptedBytes = new AtomicLong();
  private final AtomicLong refusedRequests = new AtomicLong();
  private final AtomicLong failedRequests = new AtomicLong();
  private volatile String lastProblem = "";
  private long nextSeq = 1;
  private int nextTemplate;
  private AtomicLongArray sent = new AtomicLongArray(1);

  LoadGenerator(int port, List<TrafficMix.Template> templates, int inFlight) {
    this.channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .usePlaintext()
            .maxInboundMessageSize(4 << 20)
            .build();
    this.templates = templates;
    this.inFlight = inFlight;
  }

  /** Forgets counts and send times; trace numbers restart at 1 and stay below {@code capacity}. */
  void reset(int capacity) {
    sent = new AtomicLongArray(capacity);
    nextSeq = 1;
    acceptedSpans.set(0);
    acceptedBytes.set(0);
    refusedRequests.set(0);
    failedRequests.set(0);
  }

  /**
   * Sends until {@code deadlineNanos} (or until trace numbers run out), at most {@code
   * spansPerSecond} (0: as fast as possible); returns once every request has been answered.
   */
  void run(long deadlineNanos, double spansPerSecond) throws InterruptedException {
    run(deadlineNanos, spansPerSecond, Long.MAX_VALUE);
  }

  /** As {@link #run(long, double)}, stopping once {@code maxSpans} spans were sent. */
  void run(long deadlineNanos, double spansPerSecond, long maxSpans) throws InterruptedException {
    Semaphore permits = new Semaphore(inFlight);
    long start = System.nanoTime();
    long spansSent = 0;
    while (System.nanoTime() < deadlineNanos && spansSent < maxSpans) {
      TrafficMix.Template t = templates.get(nextTemplate);
      if (nextSeq + t.traces() >= sent.length()) {
        break;
      }
      if (spansPerSecond > 0) {
        long due = start + (long) (spansSent / spansPerSecond * 1e9);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      if (!permits.tryAcquire(
          Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        break;
      }
      nextTemplate = (nextTemplate + 1) % templates.size();
      long first = nextSeq;
      nextSeq += t.traces();
      byte[] body = t.stamp(first);
      long now = System.nanoTime();
      for (int i = 0; i < t.traces(); i++) {
        sent.set((int) (first + i), now);
      }
      spansSent += t.spans();
      ClientCalls.asyncUnaryCall(
          channel.newCall(
              RawBytes.EXPORT, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
          body,
          new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {}

            @Override
            public void onError(Throwable e) {
              Status status = Status.fromThrowable(e);
              Status.Code code = status.getCode();
              lastProblem = code + ": " + status.getDescription();
              if (code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.UNAVAILABLE) {
                refusedRequests.incrementAndGet();
              } else {
                failedRequests.incrementAndGet();
              }
              for (int i = 0; i < t.traces(); i++) {
                sent.set((int) (first + i), 0); // refused: never exported, not a latency sample
              }
              permits.release();
            }

            @Override
            public void onCompleted() {
              acceptedSpans.addAndGet(t.spans());
              acceptedBytes.addAndGet(body.length);
              permits.release();
            }
          });
    }
    permits.acquire(inFlight);
    permits.release(inFlight);
  }

  /** When trace {@code seq} was sent ({@link System#nanoTime}), or 0 if never or refused. */
  long sentAt(long seq) {
    return seq < sent.length() ? sent.get((int) seq) : 0;
  }

  /** One past the highest trace number sent so far. */
  long nextSequence() {
    return nextSeq;
  }

  long acceptedSpans() {
    return acceptedSpans.get();
  }

  long acceptedBytes() {
    return acceptedBytes.get();
  }

  long refusedRequests() {
    return refusedRequests.get();
  }

  /** The status of the last refused or failed request, or empty. */
  String lastProblem() {
    return lastProblem;
  }

  long failedRequests() {
    return failedRequests.get();
  }

  @Override
  public void close() {
    try {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
