package dev.llmtail.core.ingest;

import dev.llmtail.core.TraceId;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Splits the resource logs of an export request into one fragment per trace id. A record with no
 * trace id is untraced; one whose trace id is present but not 16 non-zero bytes is rejected.
 * Stateless and thread-safe.
 */
public final class LogGrouper {

  private static final int MAX_REASONS = 3;

  private LogGrouper() {}

  public static GroupedLogs group(List<ResourceLogs> resourceLogsList) {
    List<LogFragment> fragments = new ArrayList<>();
    List<ResourceLogs> untraced = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    int untracedRecords = 0;
    int rejected = 0;
    int total = 0;
    for (int r = 0; r < resourceLogsList.size(); r++) {
      ResourceLogs rl = resourceLogsList.get(r);
      Map<TraceId, ResourceLogs.Builder> byTrace = new LinkedHashMap<>();
      Map<TraceId, Integer> counts = new LinkedHashMap<>();
      ResourceLogs.Builder noTrace = null;
      for (int s = 0; s < rl.getScopeLogsCount(); s++) {
        ScopeLogs sl = rl.getScopeLogs(s);
        Map<TraceId, ScopeLogs.Builder> scopeByTrace = new LinkedHashMap<>();
        ScopeLogs.Builder scopeNoTrace = null;
        for (int i = 0; i < sl.getLogRecordsCount(); i++) {
          LogRecord record = sl.getLogRecords(i);
          total++;
          if (record.getTraceId().isEmpty()) {
            untracedRecords++;
            if (scopeNoTrace == null) {
              scopeNoTrace =
                  ScopeLogs.newBuilder().setScope(sl.getScope()).setSchemaUrl(sl.getSchemaUrl());
            }
            scopeNoTrace.addLogRecords(record);
            continue;
          }
          TraceId id = TraceId.fromBytesOrNull(record.getTraceId());
          if (id == null) {
            rejected++;
            if (reasons.size() < MAX_REASONS) {
              reasons.add(
                  "log record '%s' (resource_logs[%d].scope_logs[%d].log_records[%d]): trace_id is %d bytes%s (expected: empty, or 16 bytes not all zero)"
                      .formatted(
                          record.getEventName(),
                          r,
                          s,
                          i,
                          record.getTraceId().size(),
                          record.getTraceId().size() == 16 ? " of zeros" : ""));
            }
            continue;
          }
          scopeByTrace
              .computeIfAbsent(
                  id,
                  k ->
                      ScopeLogs.newBuilder()
                          .setScope(sl.getScope())
                          .setSchemaUrl(sl.getSchemaUrl()))
              .addLogRecords(record);
          counts.merge(id, 1, Integer::sum);
        }
        for (Map.Entry<TraceId, ScopeLogs.Builder> e : scopeByTrace.entrySet()) {
          byTrace
              .computeIfAbsent(
                  e.getKey(),
                  k ->
                      ResourceLogs.newBuilder()
                          .setResource(rl.getResource())
                          .setSchemaUrl(rl.getSchemaUrl()))
              .addScopeLogs(e.getValue());
        }
        if (scopeNoTrace != null) {
          if (noTrace == null) {
            noTrace =
                ResourceLogs.newBuilder()
                    .setResource(rl.getResource())
                    .setSchemaUrl(rl.getSchemaUrl());
          }
          noTrace.addScopeLogs(scopeNoTrace);
        }
      }
      byTrace.forEach(
          (id, b) ->
              fragments.add(
                  new LogFragment(id, b.build(), Objects.requireNonNull(counts.get(id)))));
      if (noTrace != null) {
        untraced.add(noTrace.build());
      }
    }
    String message =
        rejected == 0
            ? ""
            : "rejected %d of %d log records: %s%s"
                .formatted(
                    rejected,
                    total,
                    String.join("; ", reasons),
                    rejected > reasons.size() ? "; …" : "");
    return new GroupedLogs(
        List.copyOf(fragments), List.copyOf(untraced), untracedRecords, rejected, message);
  }
}
