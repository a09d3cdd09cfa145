package dev.llmtail.server.receiver;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether the receivers may take another request, so that a full buffer or a stalled
 * exporter makes clients retry instead of making llmtail drop what it accepted.
 *
 * <p>Two bounds, checked before a request is admitted: the buffer's span bytes at {@link
 * #BUFFER_REFUSE_AT} of {@code buffer.max_bytes} (answered as "resource exhausted": gRPC {@code
 * RESOURCE_EXHAUSTED}, HTTP 429), and the exporter's queue at its byte or span bound (answered as
 * "unavailable": gRPC {@code UNAVAILABLE}, HTTP 503). Both carry a retry delay. Requests already
 * past the check still go in, so each bound can be overshot by the requests in flight at once — at
 * most the receivers' worker count × the largest request. Thread-safe; reads only.
 */
public final class Backpressure {

  /**
   * Fraction of {@code buffer.max_bytes} at which requests are refused. Below 1 so that refusal,
   * not deciding the oldest traces early, is what normally happens under overload.
   */
  static final double BUFFER_REFUSE_AT = 0.9;

  /** What to tell a client that is refused. */
  public record Refusal(Kind kind, String message, Duration retryAfter) {}

  /** Why a request was refused; maps to a retryable status on each transport. */
  public enum Kind {
    /** The buffer is at its byte bound: gRPC RESOURCE_EXHAUSTED with RetryInfo, HTTP 429. */
    BUFFER_FULL,
    /** The exporter cannot keep up with the backend: gRPC UNAVAILABLE, HTTP 503. */
    EXPORTER_FULL,
    /**
     * The span log cannot take more (disk full, {@code storage.max_size}): gRPC RESOURCE_EXHAUSTED
     * with RetryInfo, HTTP 429.
     */
    STORAGE_FULL;

    /** Whether this is answered as "resource exhausted" (gRPC) / 429 (HTTP). */
    public boolean exhausted() {
      return this != EXPORTER_FULL;
    }
  }

  private final LongSupplier bufferedBytes;
  private final long refuseAtBytes;
  private final BooleanSupplier exporterFull;
  private final Duration retryAfter;
  private final Supplier<String> storageRefusal;

  /**
   * @param bufferedBytes the buffer's current span bytes
   * @param bufferMaxBytes {@code buffer.max_bytes}
   * @param exporterFull whether the exporter's queue is at its bound
   * @param retryAfter the delay suggested to refused clients
   */
  public Backpressure(
      LongSupplier bufferedBytes,
      long bufferMaxBytes,
      BooleanSupplier exporterFull,
      Duration retryAfter) {
    this(bufferedBytes, bufferMaxBytes, exporterFull, () -> null, retryAfter);
  }

  /**
   * @param storageRefusal why the span log refuses new data now, or null when it takes it
   */
  public Backpressure(
      LongSupplier bufferedBytes,
      long bufferMaxBytes,
      BooleanSupplier exporterFull,
      Supplier<String> storageRefusal,
      Duration retryAfter) {
    this.storageRefusal = storageRefusal;
    this.bufferedBytes = bufferedBytes;
    this.refuseAtBytes = Math.max(1, (long) (bufferMaxBytes * BUFFER_REFUSE_AT));
    this.exporterFull = exporterFull;
    this.retryAfter = retryAfter;
  }

  /** Never refuses: for tests of other behaviour. */
  public static Backpressure none() {
    return new Backpressure(() -> 0, Long.MAX_VALUE, () -> false, Duration.ofSeconds(1));
  }

  /** The refusal to answer with now, or null if a request may be admitted. */
  public @Nullable Refusal check() {
    String storage = storageRefusal.get();
    if (storage != null) {
      return storageFull(storage);
    }
    if (exporterFull.getAsBoolean()) {
      return new Refusal(
          Kind.EXPORTER_FULL,
          "llmtail's export queue is full (the backend is slow or down); retry later",
          retryAfter);
    }
    long buffered = bufferedBytes.getAsLong();
    if (buffered >= refuseAtBytes) {
      return new Refusal(
          Kind.BUFFER_FULL,
          "llmtail's trace buffer is full ("
              + buffered
              + " of "
              + refuseAtBytes
              + " bytes, buffer.max_bytes); retry later",
          retryAfter);
    }
    return null;
  }

  /** The refusal for a request the span log could not take. */
  public Refusal storageFull(String why) {
    return new Refusal(Kind.STORAGE_FULL, why, retryAfter);
  }
}
