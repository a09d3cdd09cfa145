package dev.llmtail.server.exporter;

import dev.llmtail.server.codec.OtlpJson;
import dev.llmtail.server.config.ExporterConfig.FileExporterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Appends kept spans to a file, one OTLP JSON {@code TracesData} per line (and their log records as
 * {@code LogsData} lines) (the format of the Collector's file exporter, readable by {@code llmtail
 * replay}). The file rotates by size ({@code exporter.file.max_size}, {@code max_files}), so it
 * cannot fill a disk. Each export is flushed before it returns. Thread-safe.
 */
public final class FileExporter implements SpanExporter {

  private final Object lock = new Object();
  private final Path path;
  private final RotatingFile file; // guarded by lock
  private final ExportHealth health;
  private final Counter written;
  private final Counter failed;
  private final Counter logsWritten;
  private final Counter logsFailed;

  /** Writes to {@code path} with the default rotation. */
  @SuppressWarnings("NullAway") // null picks the defaults, as an absent YAML key does
  public FileExporter(Path path, MeterRegistry meters) {
    this(new FileExporterConfig(path.toString(), null, null), meters);
  }

  public FileExporter(FileExporterConfig config, MeterRegistry meters) {
    this.path = Path.of(config.path());
    try {
      this.file = new RotatingFile(path, config.maxSize().bytes(), config.maxFiles());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open " + path + " for kept traces (set exporter.file.path to a writable file)",
          e);
    }
    this.health =
        new ExportHealth(
            path.toString(), "file", Clock.systemUTC(), ExportHealth.LOG_INTERVAL, meters);
    this.written = Exporters.spans(meters, "file", "sent");
    this.failed = Exporters.spans(meters, "file", "failed");
    this.logsWritten = Exporters.logRecords(meters, "file", "sent");
    this.logsFailed = Exporters.logRecords(meters, "file", "failed");
  }

  @Override
  public boolean export(List<ResourceSpans> spans, int spanCount) {
    return writeLine(OtlpJson.tracesData(spans), spanCount, written, failed, Signal.SPANS);
  }

  /** Log records go to the same file, as {@code LogsData} lines. */
  @Override
  public boolean exportLogs(List<ResourceLogs> logs, int recordCount) {
    return writeLine(OtlpJson.logsData(logs), recordCount, logsWritten, logsFailed, Signal.LOGS);
  }

  private boolean writeLine(String line, int count, Counter ok, Counter failure, Signal<?> what) {
    synchronized (lock) {
      try {
        file.append(line);
      } catch (IOException e) {
        failure.increment(count);
        health.attemptFailed("cannot write: " + e);
        health.undelivered(what, count, "lost: not written to " + path);
        return false;
      }
    }
    ok.increment(count);
    health.succeeded();
    return true;
  }

  @Override
  public boolean writesFiles() {
    return true;
  }

  @Override
  public ExportStatus status() {
    return health.status();
  }

  @Override
  public void shutdown(Duration deadline) {
    health.flush();
    synchronized (lock) {
      try {
        file.close();
      } catch (IOException e) {
        health.attemptFailed("cannot close: " + e);
      }
    }
  }
}
