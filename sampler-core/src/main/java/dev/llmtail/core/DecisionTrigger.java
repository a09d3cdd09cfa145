package dev.llmtail.core;

/** Why a trace was decided when it was. */
public enum DecisionTrigger {
  /** The root span had ended and no span arrived for the quiet period. */
  COMPLETE,
  /** The hard cap ({@code buffer.max_trace_wait}) since the first span passed. */
  MAX_WAIT,
  /**
   * The buffer reached {@code max_traces} or {@code max_bytes}; the oldest trace was decided early.
   */
  PRESSURE,
  /**
   * The trace passed {@code buffer.max_trace_spans}; it was decided at once on the spans it held.
   */
  MAX_TRACE_SPANS,
  /**
   * The trace passed {@code buffer.max_trace_bytes}; it was decided at once on the spans it held.
   */
  MAX_TRACE_BYTES,
  /** The sampler is shutting down and decided every buffered trace. */
  SHUTDOWN,
  /**
   * A dropped trace was kept afterwards, while the span log still retained its spans: on request
   * ({@code POST /debug/traces/{id}/keep}) or on evidence that arrived late. Only ever a keep.
   */
  PROMOTED
}
