package dev.llmtail.testing;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.ingest.GroupedRequest;
import dev.llmtail.core.ingest.TraceFragment;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The reference for {@link dev.llmtail.core.ingest.TraceSlicer}: how llmtail grouped a request
 * before it kept the request's bytes, by building a new message per trace fragment. Tests compare
 * the slicer's fragments, parsed, with these.
 *
 * <p>Splits the resource spans of an export request into one fragment per trace id, and rejects
 * spans whose ids are not valid (they could never be grouped or looked up).
 *
 * <p>A span is rejected when its trace id is not 16 bytes or all zero, its span id is not 8 bytes
 * or all zero, or its parent span id is neither empty nor 8 bytes. Everything else is accepted as
 * is. Stateless and thread-safe.
 */
public final class MessageGrouping {

  /** How many rejection reasons are spelled out in the partial-success message. */
  private static final int MAX_REASONS = 3;

  private MessageGrouping() {}

  /** Groups as llmtail did by building messages; each fragment encoded with toByteArray. */
  public static GroupedRequest group(List<ResourceSpans> resourceSpansList) {
    List<TraceFragment> fragments = new ArrayList<>();
    List<String> reasons = new ArrayList<>(MAX_REASONS);
    int accepted = 0;
    int rejected = 0;
    for (int r = 0; r < resourceSpansList.size(); r++) {
      ResourceSpans rs = resourceSpansList.get(r);
      Map<TraceId, FragmentBuilder> byTrace = new LinkedHashMap<>();
      for (int s = 0; s < rs.getScopeSpansCount(); s++) {
        ScopeSpans ss = rs.getScopeSpans(s);
        Map<TraceId, ScopeSpans.Builder> scopeByTrace = new LinkedHashMap<>();
        for (int i = 0; i < ss.getSpansCount(); i++) {
          Span span = ss.getSpans(i);
          TraceId traceId = TraceId.fromBytesOrNull(span.getTraceId());
          String problem = problemWith(span, traceId);
          if (problem != null) {
            rejected++;
            if (reasons.size() < MAX_REASONS) {
              reasons.add(
                  "span '%s' (resource_spans[%d].scope_spans[%d].spans[%d]): %s"
                      .formatted(span.getName(), r, s, i, problem));
            }
            continue;
          }
          accepted++;
          scopeByTrace
              .computeIfAbsent(
                  traceId,
                  id ->
                      ScopeSpans.newBuilder()
                          .setScope(ss.getScope())
                          .setSchemaUrl(ss.getSchemaUrl()))
              .addSpans(span);
          FragmentBuilder fb = byTrace.computeIfAbsent(traceId, id -> new FragmentBuilder(rs));
          fb.spanCount++;
          fb.endsRoot |= span.getParentSpanId().isEmpty() && span.getEndTimeUnixNano() != 0;
        }
        scopeByTrace.forEach(
            (id, scope) -> Objects.requireNonNull(byTrace.get(id)).builder.addScopeSpans(scope));
      }
      byTrace.forEach(
          (id, fb) ->
              fragments.add(new TraceFragment(id, fb.builder.build(), fb.spanCount, fb.endsRoot)));
    }
    String message = "";
    if (rejected > 0) {
      message =
          "rejected %d of %d spans: %s%s"
              .formatted(
                  rejected,
                  rejected + accepted,
                  String.join("; ", reasons),
                  rejected > reasons.size() ? "; …" : "");
    }
    return new GroupedRequest(List.copyOf(fragments), accepted, rejected, message);
  }

  private static @Nullable String problemWith(Span span, @Nullable TraceId traceId) {
    if (traceId == null) {
      return "trace_id is %d bytes%s (expected: 16 bytes, not all zero)"
          .formatted(span.getTraceId().size(), span.getTraceId().size() == 16 ? " of zeros" : "");
    }
    if (span.getSpanId().size() != 8 || isAllZero(span.getSpanId().toByteArray())) {
      return "span_id is %d bytes%s (expected: 8 bytes, not all zero)"
          .formatted(span.getSpanId().size(), span.getSpanId().size() == 8 ? " of zeros" : "");
    }
    int parent = span.getParentSpanId().size();
    if (parent != 0 && parent != 8) {
      return "parent_span_id is %d bytes (expected: empty for a root span, or 8 bytes)"
          .formatted(parent);
    }
    return null;
  }

  private static boolean isAllZero(byte[] bytes) {
    for (byte b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static final class FragmentBuilder {
    final ResourceSpans.Builder builder;
    int spanCount;
    boolean endsRoot;

    FragmentBuilder(ResourceSpans rs) {
      builder =
          ResourceSpans.newBuilder().setResource(rs.getResource()).setSchemaUrl(rs.getSchemaUrl());
    }
  }
}
