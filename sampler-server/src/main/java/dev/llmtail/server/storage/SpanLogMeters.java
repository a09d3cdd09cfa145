package dev.llmtail.server.storage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;

/** Registers the span log's storage counters and reports a skipped write-ahead log tail. */
final class SpanLogMeters {

  private static final System.Logger LOG = System.getLogger(RocksSpanLog.class.getName());

  private SpanLogMeters() {}

  /** Span log records skipped when read back because their checksum failed. */
  static Counter corrupt(MeterRegistry meters) {
    return Counter.builder("llmtail.storage.records.corrupt")
        .description("Span log records skipped when read back because their checksum failed")
        .register(meters);
  }

  /** Counts (and logs) the torn or damaged write-ahead log tail that recovery skipped. */
  static void walSkipped(WalTail walTail, Path directory, MeterRegistry meters) {
    long skippedWal = walTail.skippedBytes();
    long skippedRecords = walTail.skippedRecords();
    Counter.builder("llmtail.storage.wal.skipped")
        .description(
            "Write-ahead log bytes skipped at start: a torn or damaged tail (never acknowledged"
                + " with sync: always) and what followed it")
        .baseUnit("bytes")
        .register(meters)
        .increment(skippedWal);
    Counter.builder("llmtail.storage.wal.skipped.records")
        .description(
            "Write-ahead log records skipped at start: the torn or damaged one and each whole one"
                + " after it")
        .register(meters)
        .increment(skippedRecords);
    if (skippedWal > 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          "span log {0}: the write-ahead log ended in a torn or damaged record; skipped {1} records"
              + " ({2} bytes) after the last whole request (counted in"
              + " llmtail.storage.wal.skipped.records and llmtail.storage.wal.skipped)",
          directory,
          skippedRecords,
          skippedWal);
    }
  }

  /** Spans read back from the span log at start. */
  static Counter recoveredSpans(MeterRegistry meters) {
    return Counter.builder("llmtail.storage.spans.recovered")
        .description(
            "Spans read back from the span log at start: restored to the buffer or exported")
        .register(meters);
  }
}
