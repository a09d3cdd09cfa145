package dev.llmtail.server.exporter;

import dev.llmtail.server.codec.OtlpJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

/**
 * Appends kept spans to a file, one OTLP JSON {@code TracesData} per line (and their log records as
 * {@code LogsData} lines) (the format of the Collector's file exporter, readable by {@code llmtail
 * replay}). Each export is flushed before it returns. Thread-safe.
 */
public final class FileExporter implements SpanExporter {

  private static final System.Logger LOG = System.getLogger(FileExporter.class.getName());

  private final Object lock = new Object();
  private final Path path;
  private final BufferedWriter writer; // guarded by lock
  private final Counter written;
  private final Counter failed;
  private final Counter logsWritten;
  private final Counter logsFailed;

  public FileExporter(Path path, MeterRegistry meters) {
    this.path = path;
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      this.writer =
          Files.newBufferedWriter(
              path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open " + path + " for kept traces (set exporter.file.path to a writable file)",
          e);
    }
    this.written = Exporters.spans(meters, "file", "sent");
    this.failed = Exporters.spans(meters, "file", "failed");
    this.logsWritten = Exporters.logRecords(meters, "file", "sent");
    this.logsFailed = Exporters.logRecords(meters, "file", "failed");
  }

  @Override
  public boolean export(List<ResourceSpans> spans, int spanCount) {
    return writeLine(OtlpJson.tracesData(spans), spanCount, written, failed, "spans");
  }

  /** Log records go to the same file, as {@code LogsData} lines. */
  @Override
  public boolean exportLogs(List<ResourceLogs> logs, int recordCount) {
    return writeLine(OtlpJson.logsData(logs), recordCount, logsWritten, logsFailed, "log records");
  }

  private boolean writeLine(String line, int count, Counter ok, Counter failure, String what) {
    synchronized (lock) {
      try {
        writer.write(line);
        writer.newLine();
        writer.flush();
        ok.increment(count);
        return true;
      } catch (IOException e) {
        failure.increment(count);
        LOG.log(System.Logger.Level.ERROR, "cannot write kept " + what + " to " + path, e);
        return false;
      }
    }
  }

  @Override
  public void shutdown(Duration deadline) {
    synchronized (lock) {
      try {
        writer.close();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.ERROR, "cannot close " + path, e);
      }
    }
  }
}
