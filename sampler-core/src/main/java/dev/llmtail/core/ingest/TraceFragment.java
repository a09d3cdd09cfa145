package dev.llmtail.core.ingest;

import dev.llmtail.core.TraceId;
import io.opentelemetry.proto.trace.v1.ResourceSpans;

/**
 * The spans of one trace from one export request, under their resource and scopes: the unit the
 * buffer admits, stores and forwards.
 */
public record TraceFragment(
    TraceId traceId, ResourceSpans spans, int spanCount, boolean endsRoot) {}
