package dev.llmtail.server.storage;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.MemorySpanStore;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.buffer.SpanStore;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.server.config.StorageConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The span log: every accepted span and log record is written here before the OTLP answer, and
 * stays until its trace is decided and, for a dropped trace, until {@code storage.retention} has
 * passed. After a crash, {@link #recover} gives back what was accepted and not yet settled.
 *
 * <p>{@link #memoryOnly()} is the log of an empty {@code storage.directory}: it writes nothing and
 * recovers nothing. Implementations are thread-safe.
 */
public interface SpanLog extends AutoCloseable {

  /**
   * Writes the fragments of one request durably enough for {@code storage.sync} and returns once
   * they are: the span fragments again, each with the {@linkplain TraceFragment#logPosition()
   * position} the log holds it at, to be admitted to the buffer as they are. Throws {@link
   * SpanLogFullException} when the log cannot take them (disk full, {@code storage.max_size}
   * reached with undecided data); then nothing of the request was acknowledged.
   */
  List<TraceFragment> append(List<TraceFragment> spans, List<LogFragment> logs);

  /**
   * Where the buffer keeps the span bytes of traces waiting for their decision: on the heap for
   * {@link #memoryOnly()}; for a log on disk, nowhere but here (the buffer keeps each fragment's
   * position and reads the bytes back when it decides).
   */
  default SpanStore spanStore() {
    return new MemorySpanStore();
  }

  /** Records the decision of a trace: a dropped trace's spans are retained, a kept one's wait. */
  void decided(TraceId traceId, RememberedDecision decision);

  /**
   * Records the decision of a trace; {@code promoted} marks a dropped trace kept afterwards, so
   * that its spans are exported marked promoted also when they are sent again after a restart.
   */
  default void decided(TraceId traceId, RememberedDecision decision, boolean promoted) {
    decided(traceId, decision);
  }

  /**
   * The decision the log holds for a trace (until the trace's retention ends), also one made before
   * a restart; empty without a span log.
   */
  default Optional<LoggedDecision> loggedDecision(TraceId traceId) {
    return Optional.empty();
  }

  /**
   * A kept trace reached the exporter's destination whole: none of its spans and log records need
   * be sent again. Where spans and log records settle apart, or late ones follow, use {@link
   * #spansDelivered} and {@link #logsDelivered}.
   */
  void exported(TraceId traceId);

  /**
   * These spans of a kept trace (its decided spans, or late ones) are settled: delivered, or
   * refused by the backend for good. They are deleted from the log, and the trace counts as
   * exported; its spans and log records not settled yet stay, and are exported again after a
   * restart.
   */
  default void spansDelivered(TraceId traceId, List<ResourceSpans> spans) {}

  /** Like {@link #spansDelivered}, for log records of a kept trace. */
  default void logsDelivered(TraceId traceId, List<ResourceLogs> logs) {}

  /**
   * Reads back what a previous process left: every undecided trace and every kept trace whose spans
   * or log records are not all delivered (only those not delivered), each in arrival order, handed
   * to {@code recovered} one trace at a time. Call once, before the first {@link #append}.
   */
  RecoveryReport recover(Consumer<RecoveredTrace> recovered);

  /** Whether this log is on disk (false for {@link #memoryOnly()}). */
  default boolean durable() {
    return true;
  }

  /** Until when the spans of a dropped trace are held, if they still are. */
  Optional<Instant> heldUntil(TraceId traceId);

  /**
   * The spans and log records of a dropped trace while the log retains them, for {@code /debug}'s
   * waterfall.
   */
  default Optional<TraceView> retained(TraceId traceId) {
    return Optional.empty();
  }

  /** Deletes what retention and {@code max_size} no longer allow; called periodically. */
  void sweep();

  /** Why new data is refused now, or null if it is not. */
  @Nullable String refusal();

  @Override
  void close();

  /**
   * Opens the span log in {@code config.directory()}, or {@link #memoryOnly()} when it is empty.
   * Throws {@link SpanLogException} naming the directory and the fix when it cannot be opened (held
   * by another process, incompatible version, not writable).
   */
  static SpanLog open(StorageConfig config, Clock clock, MeterRegistry meters) {
    return config.enabled() ? RocksSpanLog.open(config, clock, meters) : memoryOnly();
  }

  /** The log of an empty {@code storage.directory}: nothing is written or recovered. */
  static SpanLog memoryOnly() {
    return MemoryOnlySpanLog.INSTANCE;
  }
}
