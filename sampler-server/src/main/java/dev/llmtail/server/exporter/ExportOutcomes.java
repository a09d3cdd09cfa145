package dev.llmtail.server.exporter;

import dev.llmtail.server.exporter.RetryingSender.Result;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the items of one {@link ExportQueue} ended, as its counters and {@link ExportHealth} lines.
 */
final class ExportOutcomes {

  private final Signal<?> signal;
  private final ExportHealth health;

  /** Where the span log holds what is not settled yet: then there is no spill directory. */
  private final Optional<String> spanLog;

  private final Optional<Path> spillDirectory;
  private final Counter sent;
  private final Counter failed;
  private final Counter rejectedByBackend;
  private final Optional<Counter> spilled;

  /** Items the stop left unsettled in the span log; present only with the span log on. */
  private final Optional<Counter> leftInLog;

  ExportOutcomes(
      Signal<?> signal,
      Optional<String> spanLog,
      Optional<Path> spillDirectory,
      ExportHealth health,
      MeterRegistry meters) {
    this.signal = signal;
    this.health = health;
    this.spanLog = spanLog;
    this.spillDirectory = spillDirectory;
    this.sent = Exporters.counter(meters, signal, "otlp", "sent");
    this.failed = Exporters.counter(meters, signal, "otlp", "failed");
    this.rejectedByBackend = Exporters.counter(meters, signal, "otlp", "rejected_by_backend");
    this.leftInLog =
        spanLog.map(dir -> Exporters.counter(meters, signal, "otlp", "left_in_span_log"));
    // Present (at zero) whether or not a spill directory is configured: alerts need the series.
    // Absent with the span log on, which replaces the spill directory.
    this.spilled =
        spanLog.isPresent()
            ? Optional.empty()
            : Optional.of(
                Counter.builder(signal.meter("spill", "written"))
                    .description("Kept " + signal + " written to the spill directory")
                    .register(meters));
  }

  /** Counts how one send ended, except UNSENT (the queue decides where those items go). */
  void sendEnded(Result result, int count) {
    switch (result.outcome()) {
      case DELIVERED -> {
        rejectedByBackend.increment(result.rejected());
        sent.increment(count - result.rejected());
      }
      case REFUSED -> {
        failed.increment(count);
        health.undelivered(
            signal, count, "refused by the backend for good: lost (" + result.failure() + ")");
      }
      case UNSENT -> {}
    }
  }

  /** {@code count} items went to the spill directory. */
  void spilled(int count) {
    spilled.orElseThrow().increment(count);
    health.undelivered(
        signal,
        count,
        "spilled to " + spillDirectory.orElseThrow() + "; sent when the backend takes them again");
  }

  /** {@code count} items stay unsettled in the span log, for {@code why}. */
  void leftInLog(int count, String why) {
    leftInLog.orElseThrow().increment(count);
    health.undelivered(signal, count, why + ": " + inLog());
  }

  /** {@code count} items were not sent in time and went back to the end of the memory queue. */
  void queuedAgain(int count, String why) {
    health.undelivered(signal, count, "not sent in time (" + why + "): queued again");
  }

  /** {@code count} items are lost for {@code why}: there was no room to keep them for later. */
  void lost(int count, String why) {
    failed.increment(count);
    health.undelivered(signal, count, why + ": lost" + noRoom());
  }

  private String inLog() {
    return "they stay in the span log ("
        + spanLog.orElseThrow()
        + ") and are sent after the next start";
  }

  private String noRoom() {
    if (spanLog.isPresent()) {
      return ", the span log does not hold late spans and log records of kept traces";
    }
    return spillDirectory.isEmpty()
        ? ", no spill directory is configured (exporter.otlp.spill.directory)"
        : ", the spill directory is full (exporter.otlp.spill.max_size)";
  }
}
