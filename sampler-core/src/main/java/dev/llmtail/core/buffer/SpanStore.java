package dev.llmtail.core.buffer;

import dev.llmtail.core.TraceId;
import java.util.List;

/**
 * Where the span bytes of buffered traces live until their trace is decided. The buffer keeps only
 * a small summary per trace in memory; the spans themselves are appended here as encoded OTLP
 * {@code ResourceSpans} and taken back once, at decision time.
 *
 * <p>Calls for one trace id never overlap (the buffer serialises them); calls for different ids may
 * run concurrently.
 */
public interface SpanStore {

  /** Appends one encoded {@code ResourceSpans} fragment of a trace. */
  void append(TraceId traceId, byte[] fragment);

  /** Removes and returns every fragment of the trace in arrival order (empty if none). */
  List<byte[]> take(TraceId traceId);

  /**
   * Every fragment of the trace held now, in arrival order, without removing them (empty if none):
   * what {@code /debug} draws for a trace still waiting. Called under the same serialisation as
   * {@link #append}. A store that cannot read without taking answers empty, and {@code /debug} then
   * shows no spans for traces still buffered.
   */
  default List<byte[]> peek(TraceId traceId) {
    return List.of();
  }
}
