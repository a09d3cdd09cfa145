package dev.llmtail.core.ingest;

import io.opentelemetry.proto.logs.v1.ResourceLogs;
import java.util.List;

/**
 * A logs export request split by trace id. Records without a trace id are not sampled: they are
 * returned in {@code untraced} to be forwarded as they are. Records with a malformed trace id are
 * rejected (for an OTLP partial-success answer).
 */
public record GroupedLogs(
    List<LogFragment> fragments,
    List<ResourceLogs> untraced,
    int untracedRecords,
    int rejectedRecords,
    String rejectionMessage) {}
