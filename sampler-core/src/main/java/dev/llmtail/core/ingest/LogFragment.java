package dev.llmtail.core.ingest;

import dev.llmtail.core.TraceId;
import io.opentelemetry.proto.logs.v1.ResourceLogs;

/**
 * The log records of one trace from one export request (GenAI events such as {@code
 * gen_ai.evaluation.result}), under their resource and scopes: they travel with their trace.
 */
public record LogFragment(TraceId traceId, ResourceLogs logs, int recordCount) {}
