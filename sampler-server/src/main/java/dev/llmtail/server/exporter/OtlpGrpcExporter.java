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
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
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
 * <p>Never loses what it took. When the memory queue is at its bound, new batches go to the {@link
 * SpillDirectory} if one is configured; a batch whose retry time ran out, and everything still
 * queued at the shutdown deadline, goes there too, and is sent after the next start. Only when
 * there is no room on disk either is a batch taken over the memory bound ({@link #atCapacity} then
 * tells the receivers to refuse new requests, which bounds the overshoot), or, at shutdown, counted
 * as {@code failed}.
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
  private final LogsServiceGrpc.LogsServiceBlockingStub logsStub;

  /** Log records of kept traces; small and few, so bounded by record count and never spilled. */
  private final LinkedBlockingQueue<List<ResourceLogs>> logQueue = new LinkedBlockingQueue<>();

  private final AtomicLong queuedLogRecords = new AtomicLong();
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
  private final Counter logsSent;
  private final Counter logsFailed;
  private final Counter logsRejectedByBackend;

  public OtlpGrpcExporter(OtlpExporterConfig config, MeterRegistry meters) {
    this.config = config;
    this.spill =
        config.spill().enabled()
            ? new SpillDirectory(
                Path.of(config.spill().directory()), config.spill().maxSize().bytes(), meters)
            : null;
    HostPort target = config.target();
    NettyChannelBuilder channelBuilder =
        NettyChannelBuilder.forAddress(target.host(), target.port());
    if (config.tls()) {
      channelBuilder.useTransportSecurity();
    } else {
      channelBuilder.usePlaintext();
    }
    this.channel = channelBuilder.build();
    Metadata headers = new Metadata();
    config
        .headers()
        .forEach((k, v) -> headers.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    TraceServiceGrpc.TraceServiceBlockingStub s =
        TraceServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    this.stub = config.compression().equals("gzip") ? s.withCompression("gzip") : s;
    LogsServiceGrpc.LogsServiceBlockingStub l =
        LogsServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    this.logsStub = config.compression().equals("gzip") ? l.withCompression("gzip") : l;
    this.logsSent = Exporters.logRecords(meters, "otlp", "sent");
    this.logsFailed = Exporters.logRecords(meters, "otlp", "failed");
    this.logsRejectedByBackend = Exporters.logRecords(meters, "otlp", "rejected_by_backend");
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

  /**
   * Queues log records of kept traces for the backend's logs service. They are retried like spans
   * but not spilled: beyond {@code queue_size} records, or after the shutdown deadline, they are
   * counted as failed.
   */
  @Override
  public boolean exportLogs(List<ResourceLogs> logs, int recordCount) {
    if (stopping || queuedLogRecords.get() + recordCount > config.queueSize()) {
      logsFailed.increment(recordCount);
      LOG.log(
          System.Logger.Level.ERROR,
          "dropping {0} log records of kept traces: the log queue is full",
          recordCount);
      return false;
    }
    queuedLogRecords.addAndGet(recordCount);
    logQueue.add(logs);
    return true;
  }

  private boolean memoryFull() {
    return queuedSpans.get() >= config.queueSize()
        || queuedBytes.get() >= config.queueMaxBytes().bytes();
  }

  @Override
  public boolean atCapacity() {
    return memoryFull()
        && (spill == null || !spill.hasRoomFor(config.queueMaxBytes().bytes() / 16));
  }

  private void sendLoop() {
    long batchTimeoutNanos = config.batchTimeout().toNanos();
    try {
      while (!(stopping && queue.isEmpty()) && System.nanoTime() < stopByNanos) {
        // Wait for new spans only when there is nothing on disk to send meanwhile.
        boolean spilled = spill != null && !spill.isEmpty();
        Item first = queue.poll(stopping || spilled ? 0 : 100, TimeUnit.MILLISECONDS);
        sendLogs();
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
    long unsentLogs = queuedLogRecords.getAndSet(0);
    if (unsentLogs > 0) {
      logsFailed.increment(unsentLogs);
      LOG.log(
          System.Logger.Level.ERROR,
          "shutdown deadline passed: {0} log records of kept traces were not sent",
          unsentLogs);
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
      LOG.log(
          System.Logger.Level.WARNING,
          "spilled {0} kept spans to disk; they will be sent later",
          spanCount);
      return;
    }
    failed.increment(spanCount);
    LOG.log(
        System.Logger.Level.ERROR,
        "dropping {0} kept spans: export to {1} did not succeed in time and {2}",
        spanCount,
        config.endpoint(),
        spill == null
            ? "no spill directory is configured (exporter.otlp.spill.directory)"
            : "the spill directory is full");
  }

  /** One export call; returns how many items the backend rejected (partial success). */
  private interface Attempt {
    long send();
  }

  /**
   * Sends one batch of spans with retries. Returns true when the batch is done with (sent, or
   * refused for good and counted), false when it should be kept for later (retry time or shutdown
   * deadline ran out).
   */
  private boolean send(List<ResourceSpans> batch, int spanCount) throws InterruptedException {
    ExportTraceServiceRequest built =
        ExportTraceServiceRequest.newBuilder().addAllResourceSpans(batch).build();
    return sendWithRetry(
        "spans",
        spanCount,
        sent,
        failed,
        rejectedByBackend,
        () -> {
          ExportTraceServiceResponse r = deadline(stub).export(built);
          warnIfRejected(
              r.getPartialSuccess().getRejectedSpans(),
              spanCount,
              "spans",
              r.getPartialSuccess().getErrorMessage());
          return r.getPartialSuccess().getRejectedSpans();
        });
  }

  /**
   * Sends every queued log record in one request; what cannot be sent in time is counted as failed.
   */
  private void sendLogs() throws InterruptedException {
    List<List<ResourceLogs>> pending = new ArrayList<>();
    logQueue.drainTo(pending);
    if (pending.isEmpty()) {
      return;
    }
    ExportLogsServiceRequest.Builder request = ExportLogsServiceRequest.newBuilder();
    pending.forEach(request::addAllResourceLogs);
    ExportLogsServiceRequest built = request.build();
    int records = 0;
    for (var rl : built.getResourceLogsList()) {
      for (var sl : rl.getScopeLogsList()) {
        records += sl.getLogRecordsCount();
      }
    }
    int count = records;
    try {
      boolean done =
          sendWithRetry(
              "log records",
              count,
              logsSent,
              logsFailed,
              logsRejectedByBackend,
              () -> {
                ExportLogsServiceResponse r = deadline(logsStub).export(built);
                warnIfRejected(
                    r.getPartialSuccess().getRejectedLogRecords(),
                    count,
                    "log records",
                    r.getPartialSuccess().getErrorMessage());
                return r.getPartialSuccess().getRejectedLogRecords();
              });
      if (!done) {
        logsFailed.increment(count);
      }
    } catch (InterruptedException e) {
      logsFailed.increment(count); // shutdown deadline: these will not be sent
      throw e;
    } finally {
      queuedLogRecords.addAndGet(-count);
    }
  }

  private <S extends io.grpc.stub.AbstractStub<S>> S deadline(S s) {
    return s.withDeadlineAfter(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void warnIfRejected(long rejected, int count, String what, String message) {
    if (rejected > 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          "backend rejected {0} of {1} {2}: {3}",
          rejected,
          count,
          what,
          message);
    }
  }

  private boolean sendWithRetry(
      String what,
      int count,
      Counter sentCounter,
      Counter failedCounter,
      Counter rejectedCounter,
      Attempt attempt)
      throws InterruptedException {
    RetryConfig retry = config.retry();
    long started = System.nanoTime();
    for (int n = 0; ; n++) {
      try {
        long rejected = attempt.send();
        rejectedCounter.increment(rejected);
        sentCounter.increment(count - rejected);
        return true;
      } catch (StatusRuntimeException e) {
        Duration hint = retryDelay(e);
        Status.Code code = e.getStatus().getCode();
        boolean retryable =
            RETRYABLE.contains(code) || (code == Status.Code.RESOURCE_EXHAUSTED && hint != null);
        if (!retryable) {
          failedCounter.increment(count);
          LOG.log(
              System.Logger.Level.ERROR,
              "dropping {0} kept {1}: export to {2} failed with a non-retryable status: {3}",
              count,
              what,
              config.endpoint(),
              e.getStatus());
          return true;
        }
        long delayNanos = (hint != null ? hint : backoff(retry, n)).toNanos();
        long now = System.nanoTime();
        if (now + delayNanos - started > retry.maxElapsedTime().toNanos()
            || now + delayNanos > stopByNanos) {
          LOG.log(
              System.Logger.Level.WARNING,
              "export of {0} kept {1} to {2} still failing after {3} attempts: {4}",
              count,
              what,
              config.endpoint(),
              n + 1,
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
