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
 * Sends kept spans to an OTLP/gRPC endpoint: a queue bounded by span count, one sender thread that
 * batches up to {@code max_batch_spans} or {@code batch_timeout}, and retries on the codes the OTLP
 * spec calls retryable, with exponential backoff and jitter, honouring the server's {@code
 * RetryInfo}. Non-retryable failures (e.g. {@code INVALID_ARGUMENT}) are logged with the server's
 * reason and counted, never retried.
 *
 * <p>A full queue refuses new spans (counted as {@code dropped}); durable spilling and receiver
 * backpressure build on this later.
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

  /** Spans or log records of kept traces waiting to be sent; {@code count} spans or records. */
  private record Item(List<ResourceSpans> spans, List<ResourceLogs> logs, int count) {}

  /** One kind of telemetry's counters. */
  private record Outcomes(Counter sent, Counter failed, Counter dropped, Counter rejectedByBackend) {}

  /** An export call that returns how many items the backend rejected. */
  private interface Attempt {
    long send();
  }

  private final OtlpExporterConfig config;
  private final ManagedChannel channel;
  private final TraceServiceGrpc.TraceServiceBlockingStub stub;
  private final LogsServiceGrpc.LogsServiceBlockingStub logsStub;
  private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedSpans = new AtomicLong();
  private final Thread sender;
  private volatile boolean stopping;
  private volatile long stopByNanos = Long.MAX_VALUE;

  private final Outcomes spanOutcomes;
  private final Outcomes logOutcomes;
  private final Counter retries;

  public OtlpGrpcExporter(OtlpExporterConfig config, MeterRegistry meters) {
    this.config = config;
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
    LogsServiceGrpc.LogsServiceBlockingStub l =
        LogsServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    this.logsStub = config.compression().equals("gzip") ? l.withCompression("gzip") : l;
    this.spanOutcomes =
        new Outcomes(
            Exporters.spans(meters, "otlp", "sent"),
            Exporters.spans(meters, "otlp", "failed"),
            Exporters.spans(meters, "otlp", "dropped"),
            Exporters.spans(meters, "otlp", "rejected_by_backend"));
    this.logOutcomes =
        new Outcomes(
            Exporters.logRecords(meters, "otlp", "sent"),
            Exporters.logRecords(meters, "otlp", "failed"),
            Exporters.logRecords(meters, "otlp", "dropped"),
            Exporters.logRecords(meters, "otlp", "rejected_by_backend"));
    this.retries =
        Counter.builder("llmtail.exporter.retries")
            .description("Export attempts retried after a retryable failure")
            .tag("exporter", "otlp")
            .register(meters);
    Gauge.builder("llmtail.exporter.queue.spans", queuedSpans, AtomicLong::get)
        .description("Kept spans waiting to be sent")
        .tag("exporter", "otlp")
        .register(meters);
    this.sender = new Thread(this::sendLoop, "llmtail-otlp-exporter");
    sender.setDaemon(true);
    sender.start();
  }

  @Override
  public boolean export(List<ResourceSpans> spans, int spanCount) {
    return enqueue(new Item(spans, null, spanCount), spanOutcomes, "spans");
  }

  @Override
  public boolean exportLogs(List<ResourceLogs> logs, int recordCount) {
    return enqueue(new Item(null, logs, recordCount), logOutcomes, "log records");
  }

  private boolean enqueue(Item item, Outcomes outcomes, String what) {
    if (stopping || queuedSpans.addAndGet(item.count()) > config.queueSize()) {
      if (!stopping) {
        queuedSpans.addAndGet(-item.count());
      }
      outcomes.dropped().increment(item.count());
      LOG.log(
          System.Logger.Level.WARNING,
          "export queue full ({0} items, exporter.otlp.queue_size): dropped {1} kept {2}",
          config.queueSize(),
          item.count(),
          what);
      return false;
    }
    queue.add(item);
    return true;
  }

  private void sendLoop() {
    long batchTimeoutNanos = config.batchTimeout().toNanos();
    while (!(stopping && queue.isEmpty()) && System.nanoTime() < stopByNanos) {
      try {
        Item first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        List<Item> batch = new ArrayList<>();
        batch.add(first);
        int spans = first.count();
        long batchDeadline = System.nanoTime() + batchTimeoutNanos;
        while (spans < config.maxBatchSpans()) {
          long wait = stopping ? 0 : batchDeadline - System.nanoTime();
          Item next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
          if (next == null) {
            break;
          }
          batch.add(next);
          spans += next.count();
        }
        send(batch);
      } catch (InterruptedException e) {
        if (!stopping) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    for (Item left = queue.poll(); left != null; left = queue.poll()) {
      (left.spans() != null ? spanOutcomes : logOutcomes).failed().increment(left.count());
      LOG.log(System.Logger.Level.ERROR, "shutdown deadline passed: {0} kept items were not sent", left.count());
    }
    queuedSpans.set(0);
  }

  /** Sends one batch: its spans to the trace service, its log records to the logs service. */
  private void send(List<Item> batch) throws InterruptedException {
    ExportTraceServiceRequest.Builder traces = ExportTraceServiceRequest.newBuilder();
    ExportLogsServiceRequest.Builder logs = ExportLogsServiceRequest.newBuilder();
    int spanCount = 0;
    int recordCount = 0;
    for (Item item : batch) {
      if (item.spans() != null) {
        traces.addAllResourceSpans(item.spans());
        spanCount += item.count();
      } else {
        logs.addAllResourceLogs(item.logs());
        recordCount += item.count();
      }
    }
    try {
      if (spanCount > 0) {
        ExportTraceServiceRequest request = traces.build();
        sendWithRetry(spanCount, "spans", spanOutcomes, () -> {
          ExportTraceServiceResponse r = deadline(stub).export(request);
          if (r.getPartialSuccess().getRejectedSpans() > 0) {
            LOG.log(System.Logger.Level.WARNING, "backend rejected {0} spans: {1}",
                r.getPartialSuccess().getRejectedSpans(), r.getPartialSuccess().getErrorMessage());
          }
          return r.getPartialSuccess().getRejectedSpans();
        });
      }
      if (recordCount > 0) {
        ExportLogsServiceRequest request = logs.build();
        sendWithRetry(recordCount, "log records", logOutcomes, () -> {
          ExportLogsServiceResponse r = deadline(logsStub).export(request);
          if (r.getPartialSuccess().getRejectedLogRecords() > 0) {
            LOG.log(System.Logger.Level.WARNING, "backend rejected {0} log records: {1}",
                r.getPartialSuccess().getRejectedLogRecords(), r.getPartialSuccess().getErrorMessage());
          }
          return r.getPartialSuccess().getRejectedLogRecords();
        });
      }
    } finally {
      queuedSpans.addAndGet(-(spanCount + recordCount));
    }
  }

  private <S extends io.grpc.stub.AbstractStub<S>> S deadline(S s) {
    return s.withDeadlineAfter(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void sendWithRetry(int count, String what, Outcomes outcomes, Attempt attempt)
      throws InterruptedException {
    RetryConfig retry = config.retry();
    long started = System.nanoTime();
    for (int n = 0; ; n++) {
      try {
        long rejected = attempt.send();
        outcomes.rejectedByBackend().increment(rejected);
        outcomes.sent().increment(count - rejected);
        return;
      } catch (StatusRuntimeException e) {
        Duration hint = retryDelay(e);
        Status.Code code = e.getStatus().getCode();
        boolean retryable =
            RETRYABLE.contains(code) || (code == Status.Code.RESOURCE_EXHAUSTED && hint != null);
        long delayNanos = (hint != null ? hint : backoff(retry, n)).toNanos();
        long now = System.nanoTime();
        boolean outOfTime =
            now + delayNanos - started > retry.maxElapsedTime().toNanos() || now + delayNanos > stopByNanos;
        if (!retryable || outOfTime) {
          outcomes.failed().increment(count);
          LOG.log(
              System.Logger.Level.ERROR,
              "dropping {0} kept {1}: export to {2} failed {3}: {4}",
              count,
              what,
              config.endpoint(),
              retryable ? "and the retry time ran out" : "with a non-retryable status",
              e.getStatus());
          return;
        }
        retries.increment();
        LOG.log(System.Logger.Level.DEBUG, "export failed with {0}; retrying in {1} ms", e.getStatus(), delayNanos / 1_000_000);
        try {
          TimeUnit.NANOSECONDS.sleep(delayNanos);
        } catch (InterruptedException interrupted) {
          outcomes.failed().increment(count);
          LOG.log(System.Logger.Level.ERROR, "dropping {0} kept {1}: interrupted while waiting to retry", count, what);
          throw interrupted;
        }
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
