package dev.llmtail.server.exporter;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import dev.llmtail.server.config.ExporterConfig.OtlpExporterConfig;
import dev.llmtail.server.config.ExporterConfig.RetryConfig;
import dev.llmtail.server.config.HostPort;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends kept spans to an OTLP/gRPC endpoint: a memory queue bounded by span count and bytes, one
 * sender thread that batches up to {@code max_batch_spans} or {@code batch_timeout}, and retries on
 * the codes the OTLP spec calls retryable, with exponential backoff and jitter, honouring the
 * server's {@code RetryInfo}. Non-retryable failures (e.g. {@code INVALID_ARGUMENT}) are logged
 * with the server's reason and counted as {@code failed}, never retried.
 *
 * <p>Never loses what it took. When the memory queue is at its bound, new batches go to the
 * {@link SpillDirectory} if one is configured; a batch whose retry time ran out, and everything
 * still queued at the shutdown deadline, goes there too, and is sent after the next start. Only
 * when there is no room on disk either is a batch taken over the memory bound ({@link
 * #atCapacity} then tells the receivers to refuse new requests, which bounds the overshoot), or,
 * at shutdown, counted as {@code failed}.
 */
public final class OtlpGrpcExporter implements SpanExporter {

  private static final System.Logger LOG = System.getLogger(OtlpGrpcExporter.class.getName());

  /** OTLP spec: retryable gRPC codes; RESOURCE_EXHAUSTED only with RetryInfo. */
  private static final Set<Status.Code> RETRYABLE =
      EnumSet.of(
          Status.Code.CANCELLED,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.ABORTED,
          Status.Code.OUT_OF_RANGE,
          Status.Code.UNAVAILABLE,
          Status.Code.DATA_LOSS);

  private record Item(List<ResourceSpans> spans, int spanCount, long bytes) {}

  private final OtlpExporterConfig config;
  private final ManagedChannel channel;
  private final TraceServiceGrpc.TraceServiceBlockingStub stub;
  private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedSpans = new AtomicLong();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final SpillDirectory spill; // null when spilling is off
  private final Thread sender;
  private volatile boolean stopping;
  private volatile long stopByNanos = Long.MAX_VALUE;

  private final Counter sent;
  private final Counter failed;
  private final Counter rejectedByBackend;
  private final Counter retries;

  public OtlpGrpcExporter(OtlpExporterConfig config, MeterRegistry meters) {
    this.config = config;
    this.spill =
        config.spill().enabled()
            ? new SpillDirectory(Path.of(config.spill().directory()), config.spill().maxSize().bytes(), meters)
            : null;
    HostPort target = config.target();
    NettyChannelBuilder channelBuilder = NettyChannelBuilder.forAddress(target.host(), target.port());
    if (config.tls()) {
      channelBuilder.useTransportSecurity();
    } else {
      channelBuilder.usePlaintext();
    }
    this.channel = channelBuilder.build();
    Metadata headers = new Metadata();
    config.headers()
        .forEach((k, v) -> headers.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    TraceServiceGrpc.TraceServiceBlockingStub s =
        TraceServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    this.stub = config.compression().equals("gzip") ? s.withCompression("gzip") : s;
    this.sent = Exporters.spans(meters, "otlp", "sent");
    this.failed = Exporters.spans(meters, "otlp", "failed");
    this.rejectedByBackend = Exporters.spans(meters, "otlp", "rejected_by_backend");
    this.retries =
        Counter.builder("llmtail.exporter.retries")
            .description("Export attempts retried after a retryable failure")
            .tag("exporter", "otlp")
            .register(meters);
    Gauge.builder("llmtail.exporter.queue.spans", queuedSpans, AtomicLong::get)
        .description("Kept spans waiting to be sent")
        .tag("exporter", "otlp")
        .register(meters);
    Gauge.builder("llmtail.exporter.queue.bytes", queuedBytes, AtomicLong::get)
        .description("Kept span bytes waiting in memory to be sent")
        .tag("exporter", "otlp")
        .baseUnit("bytes")
        .register(meters);
    this.sender = new Thread(this::sendLoop, "llmtail-otlp-exporter");
    sender.setDaemon(true);
    sender.start();
  }

  @Override
  public boolean export(List<ResourceSpans> spans, int spanCount) {
    long bytes = 0;
    for (ResourceSpans rs : spans) {
      bytes += rs.getSerializedSize();
    }
    if (stopping || memoryFull()) {
      if (spill != null && spill.offer(spans, spanCount)) {
        return true;
      }
      if (stopping) {
        failed.increment(spanCount);
        LOG.log(
            System.Logger.Level.ERROR,
            "{0} kept spans arrived after the exporter stopped and could not be spilled",
            spanCount);
        return false;
      }
      // Over the memory bound with nowhere else to go: take it anyway (it was accepted), and let
      // atCapacity() make the receivers refuse new requests until the queue drains.
    }
    queuedSpans.addAndGet(spanCount);
    queuedBytes.addAndGet(bytes);
    queue.add(new Item(spans, spanCount, bytes));
    return true;
  }

  private boolean memoryFull() {
    return queuedSpans.get() >= config.queueSize() || queuedBytes.get() >= config.queueMaxBytes().bytes();
  }

  @Override
  public boolean atCapacity() {
    return memoryFull() && (spill == null || !spill.hasRoomFor(config.queueMaxBytes().bytes() / 16));
  }

  private void sendLoop() {
    long batchTimeoutNanos = config.batchTimeout().toNanos();
    try {
      while (!(stopping && queue.isEmpty()) && System.nanoTime() < stopByNanos) {
        // Wait for new spans only when there is nothing on disk to send meanwhile.
        boolean spilled = spill != null && !spill.isEmpty();
        Item first = queue.poll(stopping || spilled ? 0 : 100, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (!stopping) {
            sendSpilled();
          }
          continue;
        }
        List<Item> batch = new ArrayList<>();
        batch.add(first);
        int spans = first.spanCount();
        long batchDeadline = System.nanoTime() + batchTimeoutNanos;
        while (spans < config.maxBatchSpans()) {
          long wait = stopping ? 0 : batchDeadline - System.nanoTime();
          Item next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
          if (next == null) {
            break;
          }
          batch.add(next);
          spans += next.spanCount();
        }
        List<ResourceSpans> resourceSpans = new ArrayList<>();
        long bytes = 0;
        for (Item item : batch) {
          resourceSpans.addAll(item.spans());
          bytes += item.bytes();
        }
        try {
          if (!send(resourceSpans, spans)) {
            keepForLater(resourceSpans, spans);
          }
        } catch (InterruptedException e) {
          keepForLater(resourceSpans, spans);
          throw e;
        } finally {
          queuedSpans.addAndGet(-spans);
          queuedBytes.addAndGet(-bytes);
        }
      }
    } catch (InterruptedException e) {
      // Shutdown ran out of time while sending: what is left goes to disk below.
    }
    List<Item> left = new ArrayList<>();
    queue.drainTo(left);
    for (Item item : left) {
      keepForLater(item.spans(), item.spanCount());
      queuedSpans.addAndGet(-item.spanCount());
      queuedBytes.addAndGet(-item.bytes());
    }
  }

  /**
   * Sends the oldest spilled batches, up to {@code max_batch_spans} in one request; they leave the
   * disk only once they were sent or refused for good.
   */
  private void sendSpilled() throws InterruptedException {
    if (spill == null) {
      return;
    }
    List<SpillDirectory.Batch> batches = spill.peekUpTo(config.maxBatchSpans());
    if (batches.isEmpty()) {
      return;
    }
    List<ResourceSpans> spans = new ArrayList<>();
    int spanCount = 0;
    for (SpillDirectory.Batch batch : batches) {
      spans.addAll(batch.spans());
      spanCount += batch.spanCount();
    }
    if (send(spans, spanCount)) {
      batches.forEach(spill::remove);
    }
  }

  /** A batch that could not be sent in time: to disk, or counted as failed if there is no room. */
  private void keepForLater(List<ResourceSpans> spans, int spanCount) {
    // Shutdown may have interrupted this thread (gRPC restores the flag after a cancelled call);
    // file channels refuse to write on an interrupted thread, so clear it while spilling.
    boolean interrupted = Thread.interrupted();
    boolean spilled;
    try {
      spilled = spill != null && spill.offer(spans, spanCount);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    if (spilled) {
      LOG.log(System.Logger.Level.WARNING, "spilled {0} kept spans to disk; they will be sent later", spanCount);
      return;
    }
    failed.increment(spanCount);
    LOG.log(
        System.Logger.Level.ERROR,
        "dropping {0} kept spans: export to {1} did not succeed in time and {2}",
        spanCount,
        config.endpoint(),
        spill == null ? "no spill directory is configured (exporter.otlp.spill.directory)" : "the spill directory is full");
  }

  /**
   * Sends one batch with retries. Returns true when the batch is done with (sent, or refused for
   * good and counted), false when it should be kept for later (retry time or shutdown deadline ran
   * out).
   */
  private boolean send(List<ResourceSpans> batch, int spanCount) throws InterruptedException {
    ExportTraceServiceRequest built = ExportTraceServiceRequest.newBuilder().addAllResourceSpans(batch).build();
    RetryConfig retry = config.retry();
    long started = System.nanoTime();
    for (int attempt = 0; ; attempt++) {
      try {
        ExportTraceServiceResponse response =
            stub.withDeadlineAfter(config.timeout().toMillis(), TimeUnit.MILLISECONDS).export(built);
        long rejected = response.getPartialSuccess().getRejectedSpans();
        if (rejected > 0) {
          rejectedByBackend.increment(rejected);
          LOG.log(
              System.Logger.Level.WARNING,
              "backend rejected {0} of {1} spans: {2}",
              rejected,
              spanCount,
              response.getPartialSuccess().getErrorMessage());
        }
        sent.increment(spanCount - rejected);
        return true;
      } catch (StatusRuntimeException e) {
        Duration hint = retryDelay(e);
        Status.Code code = e.getStatus().getCode();
        boolean retryable =
            RETRYABLE.contains(code) || (code == Status.Code.RESOURCE_EXHAUSTED && hint != null);
        if (!retryable) {
          failed.increment(spanCount);
          LOG.log(
              System.Logger.Level.ERROR,
              "dropping {0} kept spans: export to {1} failed with a non-retryable status: {2}",
              spanCount,
              config.endpoint(),
              e.getStatus());
          return true;
        }
        long delayNanos = (hint != null ? hint : backoff(retry, attempt)).toNanos();
        long now = System.nanoTime();
        if (now + delayNanos - started > retry.maxElapsedTime().toNanos()
            || now + delayNanos > stopByNanos) {
          LOG.log(
              System.Logger.Level.WARNING,
              "export of {0} kept spans to {1} still failing after {2} attempts: {3}",
              spanCount,
              config.endpoint(),
              attempt + 1,
              e.getStatus());
          return false;
        }
        retries.increment();
        LOG.log(
            System.Logger.Level.DEBUG,
            "export failed with {0}; retrying in {1} ms",
            e.getStatus(),
            delayNanos / 1_000_000);
        TimeUnit.NANOSECONDS.sleep(delayNanos);
      }
    }
  }

  /** Exponential: initial × 1.5^attempt, capped at max_interval, ±50 % jitter. */
  private static Duration backoff(RetryConfig retry, int attempt) {
    double base =
        Math.min(
            retry.maxInterval().toNanos(),
            retry.initialInterval().toNanos() * Math.pow(1.5, Math.min(attempt, 60)));
    double jittered = base * (0.5 + ThreadLocalRandom.current().nextDouble());
    return Duration.ofNanos((long) Math.min(jittered, retry.maxInterval().toNanos()));
  }

  private static Duration retryDelay(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    if (status == null) {
      return null;
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration d = detail.unpack(RetryInfo.class).getRetryDelay();
          return Duration.ofSeconds(d.getSeconds(), d.getNanos());
        } catch (InvalidProtocolBufferException ignored) {
          return null; // a malformed hint is no hint: fall back to our own backoff
        }
      }
    }
    return null;
  }

  @Override
  public void shutdown(Duration deadline) {
    stopByNanos = System.nanoTime() + deadline.toNanos();
    stopping = true;
    try {
      sender.join(Math.max(1, deadline.toMillis()));
      if (sender.isAlive()) {
        sender.interrupt();
        sender.join(1_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channel.shutdownNow();
  }
}
