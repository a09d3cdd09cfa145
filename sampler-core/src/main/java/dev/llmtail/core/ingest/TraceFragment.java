package dev.llmtail.core.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmtail.core.TraceId;
import io.opentelemetry.proto.trace.v1.ResourceSpans;

/**
 * The spans of one trace from one export request, under their resource and scopes: the unit the
 * buffer admits, stores and forwards.
 *
 * <p>Design. A fragment carries its spans encoded, as an OTLP {@code ResourceSpans} built from the
 * request's own bytes ({@link TraceSlicer}); the span stores, the span log and the exporter keep
 * and send these very bytes. Code that needs messages (completion rules on a root span, late-span
 * metrics, replay, tests) calls {@link #spans()}, which parses them on every call. The array is
 * shared, never copied, and must not be modified.
 *
 * @param encoded the fragment's spans, an encoded {@code ResourceSpans}
 * @param logPosition where the span log holds this fragment's bytes (its sequence number under the
 *     trace id), or {@link #NOT_LOGGED}: a span store backed by the log reads the bytes back from
 *     there instead of keeping them on the heap
 */
@SuppressWarnings("ArrayRecordComponent") // the bytes are shared on purpose; never compared
public record TraceFragment(
    TraceId traceId, byte[] encoded, int spanCount, boolean endsRoot, long logPosition) {

  /** The {@link #logPosition} of a fragment no span log holds. */
  public static final long NOT_LOGGED = -1;

  /** A fragment no span log holds (yet). */
  public TraceFragment(TraceId traceId, byte[] encoded, int spanCount, boolean endsRoot) {
    this(traceId, encoded, spanCount, endsRoot, NOT_LOGGED);
  }

  /** A fragment of spans held as a message (tests, replay): encoded once, here. */
  public TraceFragment(TraceId traceId, ResourceSpans spans, int spanCount, boolean endsRoot) {
    this(traceId, spans.toByteArray(), spanCount, endsRoot, NOT_LOGGED);
  }

  /** This fragment, held by the span log at {@code position}. */
  public TraceFragment loggedAt(long position) {
    return new TraceFragment(traceId, encoded, spanCount, endsRoot, position);
  }

  /** Whether a span log holds this fragment's bytes. */
  public boolean logged() {
    return logPosition != NOT_LOGGED;
  }

  /** The encoded size of the spans, as on the wire. */
  public int size() {
    return encoded.length;
  }

  /**
   * The spans, parsed from {@link #encoded()} now (each call parses again). The bytes were checked
   * as protobuf's parser checks them when the request was read, so this fails only on a bug: then
   * with an {@link IllegalStateException} naming the trace.
   */
  public ResourceSpans spans() {
    try {
      return ResourceSpans.parseFrom(encoded);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "fragment of trace "
              + traceId
              + " ("
              + encoded.length
              + " bytes) is not an encoded ResourceSpans: "
              + e.getMessage(),
          e);
    }
  }
}
