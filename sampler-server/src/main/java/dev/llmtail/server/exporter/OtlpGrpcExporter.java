package dev.llmtail.server.exporter;

import dev.llmtail.core.DurationFormat;
import dev.llmtail.server.config.ExporterConfig.OtlpExporterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends kept spans, and the log records of kept traces, to an OTLP/gRPC endpoint, both under the
 * same delivery contract: an {@link ExportQueue} each (memory bound, batching, spill routing), one
 * {@link RetryingSender} with exponential backoff that honours the server's {@code RetryInfo}, and
 * one {@link ExportHealth} that says when the endpoint fails and what was spilled or lost.
 *
 * <p>Never loses what it took while there is room on disk: see {@link ExportQueue}. The spill
 * directory holds batches of both, within one {@code spill.max_size}.
 */
public final class OtlpGrpcExporter implements SpanExporter {

  private static final System.Logger LOG = System.getLogger(OtlpGrpcExporter.class.getName());

  private final OtlpExporterConfig config;
  private final OtlpChannel channel;
  private final ExportHealth health;
  private final RetryClock clock;
  private final ExportQueue<byte[]> spans;
  private final ExportQueue<ResourceLogs> logs;
  private final Optional<String> spanLog;

  public OtlpGrpcExporter(OtlpExporterConfig config, MeterRegistry meters) {
    this(config, Optional.empty(), meters);
  }

  /**
   * @param spanLog the span log's directory when it is on: kept traces not yet delivered stay there
   *     instead of in a spill directory
   */
  public OtlpGrpcExporter(
      OtlpExporterConfig config, Optional<String> spanLog, MeterRegistry meters) {
    this(config, spanLog, meters, Clock.systemUTC(), RetryClock.SYSTEM);
  }

  OtlpGrpcExporter(
      OtlpExporterConfig config, MeterRegistry meters, Clock wallClock, RetryClock clock) {
    this(config, Optional.empty(), meters, wallClock, clock);
  }

  OtlpGrpcExporter(
      OtlpExporterConfig config,
      Optional<String> spanLog,
      MeterRegistry meters,
      Clock wallClock,
      RetryClock clock) {
    this.config = config;
    this.spanLog = spanLog;
    this.clock = clock;
    this.channel = new OtlpChannel(config);
    this.health =
        new ExportHealth(config.endpoint(), "otlp", wallClock, ExportHealth.LOG_INTERVAL, meters);
    Counter retries =
        Counter.builder("llmtail.exporter.retries")
            .description("Export attempts retried after a retryable failure")
            .tag("exporter", "otlp")
            .register(meters);
    RetryingSender sender =
        new RetryingSender(
            config.retry(),
            new Backoff(config.retry(), () -> ThreadLocalRandom.current().nextDouble()),
            clock,
            health,
            retries);
    Optional<SpillBudget> budget =
        config.spill().enabled() && spanLog.isEmpty()
            ? Optional.of(new SpillBudget(config.spill().maxSize().bytes()))
            : Optional.empty();
    this.spans =
        queue(Signal.SPANS, OtlpSender.spans(channel, health), budget, sender, meters).start();
    this.logs =
        queue(Signal.LOGS, OtlpSender.logs(channel, health), budget, sender, meters).start();
  }

  private <T> ExportQueue<T> queue(
      Signal<T> signal,
      ExportQueue.BatchCall<T> call,
      Optional<SpillBudget> budget,
      RetryingSender sender,
      MeterRegistry meters) {
    Path directory = Path.of(config.spill().directory());
    return new ExportQueue<>(
        signal,
        config,
        budget.map(b -> new SpillDirectory<>(directory, signal, b, meters)),
        spanLog,
        sender,
        call,
        health,
        clock,
        meters);
  }

  @Override
  public boolean export(List<ResourceSpans> batch, int spanCount) {
    return spans.offer(encoded(batch), spanCount, ExportQueue.UNTRACKED);
  }

  @Override
  public boolean export(List<ResourceSpans> batch, int spanCount, Runnable settled) {
    return spans.offer(encoded(batch), spanCount, settled);
  }

  /** Queued as they are: the request that sends them is written from these bytes. */
  @Override
  public boolean exportEncoded(List<byte[]> resourceSpans, int spanCount, Runnable settled) {
    return spans.offer(resourceSpans, spanCount, settled);
  }

  private static List<byte[]> encoded(List<ResourceSpans> batch) {
    List<byte[]> encoded = new ArrayList<>(batch.size());
    for (ResourceSpans rs : batch) {
      encoded.add(rs.toByteArray());
    }
    return encoded;
  }

  /** Log records of kept traces: queued, retried and spilled like spans. */
  @Override
  public boolean exportLogs(List<ResourceLogs> batch, int recordCount) {
    return logs.offer(batch, recordCount, ExportQueue.UNTRACKED);
  }

  @Override
  public boolean exportLogs(List<ResourceLogs> batch, int recordCount, Runnable settled) {
    return logs.offer(batch, recordCount, settled);
  }

  @Override
  public boolean atCapacity() {
    return spans.atCapacity() || logs.atCapacity();
  }

  @Override
  public ExportStatus status() {
    return health.status();
  }

  /**
   * Sends what is queued until {@code deadline}, spills the rest, and says in one line why export
   * did not finish if it did not.
   */
  @Override
  public void shutdown(Duration deadline) {
    long start = clock.nanoTime();
    long stopBy = start + deadline.toNanos();
    spans.stop(stopBy);
    logs.stop(stopBy);
    try {
      spans.awaitStopped(deadline.toMillis());
      logs.awaitStopped(deadline.minusNanos(clock.nanoTime() - start).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channel.close();
    health.flush();
    long unsentSpans = spans.unsentAtStop();
    long unsentLogs = logs.unsentAtStop();
    if (unsentSpans + unsentLogs > 0) {
      ExportStatus status = health.status();
      LOG.log(
          System.Logger.Level.WARNING,
          "export did not finish within the shutdown deadline of {0}: {1} kept spans and {2} log"
              + " records were not sent ({3}); {4}",
          DurationFormat.format(deadline),
          unsentSpans,
          unsentLogs,
          status.failing()
              ? "export to " + config.endpoint() + " failing: " + status.lastCause()
              : "the backend took longer than the deadline; raise --shutdown-timeout",
          spanLog.isPresent()
              ? "the kept traces among them stay in the span log ("
                  + spanLog.get()
                  + ") and are sent after the next start"
              : config.spill().enabled()
                  ? (spans.onDisk() + logs.onDisk())
                      + " wait in "
                      + config.spill().directory()
                      + " for the next start"
                  : "they are lost: no spill directory is configured (exporter.otlp.spill.directory)");
    }
  }
}
