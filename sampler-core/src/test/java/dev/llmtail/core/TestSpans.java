package dev.llmtail.core;

import com.google.protobuf.ByteString;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.LogGrouper;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceGrouper;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Minimal span data for core's own tests. (The full builders live in src-test-fixtures, which
 * depends on this module and so cannot be used here.)
 */
public final class TestSpans {

  private TestSpans() {}

  public static TraceId traceId(long n) {
    return new TraceId(0x0af7651916cd43ddL, n);
  }

  public static Span span(TraceId trace, long spanId, long parentId, boolean ended, boolean error) {
    Span.Builder b =
        Span.newBuilder()
            .setTraceId(
                ByteString.copyFrom(
                    ByteBuffer.allocate(16).putLong(trace.high()).putLong(trace.low()).array()))
            .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(spanId).array()))
            .setName("span-" + spanId)
            .setStartTimeUnixNano(1_000_000_000L * spanId);
    if (parentId != 0) {
      b.setParentSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(parentId).array()));
    }
    if (ended) {
      b.setEndTimeUnixNano(1_000_000_000L * spanId + 500_000_000L);
    }
    if (error) {
      b.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
    }
    return b.build();
  }

  public static ResourceSpans resourceSpans(Span... spans) {
    return ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))
        .build();
  }

  /** A child span (parent 1) of trace {@code n}, as the buffer admits it. */
  public static List<TraceFragment> child(TraceId trace, long spanId) {
    return TraceGrouper.group(List.of(resourceSpans(span(trace, spanId, 1, true, false))))
        .fragments();
  }

  /** The ended root span (id 1) of a trace. */
  public static List<TraceFragment> endedRoot(TraceId trace) {
    return TraceGrouper.group(List.of(resourceSpans(span(trace, 1, 0, true, false)))).fragments();
  }

  /** One GenAI event log record of a trace, as the buffer admits it. */
  public static List<LogFragment> evaluationLog(TraceId trace, String label) {
    LogRecord record =
        LogRecord.newBuilder()
            .setTraceId(
                ByteString.copyFrom(
                    ByteBuffer.allocate(16).putLong(trace.high()).putLong(trace.low()).array()))
            .setEventName("gen_ai.evaluation.result")
            .addAttributes(
                KeyValue.newBuilder()
                    .setKey("gen_ai.evaluation.score.label")
                    .setValue(AnyValue.newBuilder().setStringValue(label)))
            .build();
    return LogGrouper.group(
            List.of(
                ResourceLogs.newBuilder()
                    .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(record))
                    .build()))
        .fragments();
  }

  public static TraceView view(TraceId trace, Span... spans) {
    return TraceView.of(trace, List.of(resourceSpans(spans)));
  }
}
