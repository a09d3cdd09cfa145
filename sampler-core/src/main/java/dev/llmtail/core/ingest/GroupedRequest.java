package dev.llmtail.core.ingest;

import java.util.List;

/**
 * An export request split by trace id, with the spans that were rejected and why (for an OTLP
 * partial-success answer). {@code rejectionMessage} is empty when nothing was rejected.
 */
public record GroupedRequest(
    List<TraceFragment> fragments, int acceptedSpans, int rejectedSpans, String rejectionMessage) {}
