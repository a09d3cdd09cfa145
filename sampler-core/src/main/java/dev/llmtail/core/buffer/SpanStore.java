package dev.llmtail.core.buffer;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.ingest.TraceFragment;
import java.util.List;

/**
 * Where the span bytes of buffered traces live until their trace is decided. The buffer keeps only
 * a small summary per trace in memory; the spans themselves are appended here and taken back as
 * encoded OTLP {@code ResourceSpans} once, at decision time. A store may keep the bytes on the heap
 * ({@link MemorySpanStore}) or only where to find them again (a span log that wrote them before the
 * request was answered).
 *
 * <p>Calls for one trace id never overlap (the buffer serialises them), and a fragment is appended
 * only once the buffer admits it, so that {@link #take} returns exactly the admitted fragments: a
 * fragment that a log holds but the buffer has not admitted yet must not be among them. Calls for
 * different ids may run concurrently.
 */
public interface SpanStore {

  /** Appends one admitted fragment of a trace. */
  void append(TraceFragment fragment);

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
