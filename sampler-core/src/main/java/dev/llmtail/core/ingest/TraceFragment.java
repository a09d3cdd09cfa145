package dev.llmtail.core.ingest;

import dev.llmtail.core.TraceId;
import io.opentelemetry.proto.trace.v1.ResourceSpans;

/**
 * The spans of one trace from one export request, under their resource and scopes: the unit the
 * buffer admits, stores and forwards.
 *
 * @param logPosition where the span log holds this fragment's bytes (its sequence number under the
 *     trace id), or {@link #NOT_LOGGED}: a span store backed by the log reads the bytes back from
 *     there instead of keeping them on the heap
 */
public record TraceFragment(
    TraceId traceId, ResourceSpans spans, int spanCount, boolean endsRoot, long logPosition) {

  /** The {@link #logPosition} of a fragment no span log holds. */
  public static final long NOT_LOGGED = -1;

  /** A fragment no span log holds (yet). */
  public TraceFragment(TraceId traceId, ResourceSpans spans, int spanCount, boolean endsRoot) {
    this(traceId, spans, spanCount, endsRoot, NOT_LOGGED);
  }

  /** This fragment, held by the span log at {@code position}. */
  public TraceFragment loggedAt(long position) {
    return new TraceFragment(traceId, spans, spanCount, endsRoot, position);
  }

  /** Whether a span log holds this fragment's bytes. */
  public boolean logged() {
    return logPosition != NOT_LOGGED;
  }
}
