package dev.llmtail.server.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A trace's spans as the rows of a waterfall: parents before their children, siblings by start
 * time, each with its depth, offset from the trace's start, duration and status, and, for a span
 * that is an LLM call, the model asked and answered, tokens, cost, finish reason and whether it
 * streamed. Prompt and output text only when {@code showContent}.
 *
 * <p>At most {@link #MAX_ROWS} rows are written; a larger trace says how many were left out. Spans
 * whose parent is not in the trace (it never arrived) are drawn as roots, in start order.
 */
final class Waterfall {

  static final int MAX_ROWS = 500;

  private static final HexFormat HEX = HexFormat.of();

  private Waterfall() {}

  /**
   * @param source where the spans were read: {@code buffered}, {@code kept} or {@code retained}
   */
  static ObjectNode of(TraceView trace, String source, boolean showContent) {
    ObjectNode out = DebugApi.JSON.createObjectNode();
    out.put("source", source);
    out.put("span_count", trace.spanCount());
    out.put("duration_ms", trace.durationNanos() / 1e6);
    Map<String, LlmCall> calls = new HashMap<>();
    for (LlmCall c : trace.llmCalls()) {
      calls.put(c.spanId(), c);
    }
    List<Row> rows = ordered(trace.spans());
    ArrayNode list = out.putArray("spans");
    for (Row r : rows.subList(0, Math.min(rows.size(), MAX_ROWS))) {
      list.add(row(r, trace.startEpochNanos(), calls.get(r.span().spanIdHex()), showContent));
    }
    out.put("left_out", Math.max(0, rows.size() - MAX_ROWS));
    return out;
  }

  private record Row(SpanView span, int depth) {}

  /** Depth-first from the roots (and orphans), children by start time. */
  private static List<Row> ordered(List<SpanView> spans) {
    Set<String> ids = new HashSet<>();
    spans.forEach(s -> ids.add(s.spanIdHex()));
    Map<String, List<SpanView>> children = new HashMap<>();
    List<SpanView> tops = new ArrayList<>();
    for (SpanView s : spans) {
      String parent = parentId(s);
      if (parent.isEmpty() || !ids.contains(parent) || parent.equals(s.spanIdHex())) {
        tops.add(s);
      } else {
        children.computeIfAbsent(parent, p -> new ArrayList<>()).add(s);
      }
    }
    Comparator<SpanView> byStart = Comparator.comparingLong(SpanView::startEpochNanos);
    tops.sort(byStart);
    children.values().forEach(c -> c.sort(byStart));
    List<Row> out = new ArrayList<>(spans.size());
    Set<String> visited = new HashSet<>();
    // An explicit stack: a deep trace must not overflow the admin thread's stack.
    ArrayList<Row> stack = new ArrayList<>();
    for (int i = tops.size() - 1; i >= 0; i--) {
      stack.add(new Row(tops.get(i), 0));
    }
    while (!stack.isEmpty()) {
      Row r = stack.remove(stack.size() - 1);
      if (!visited.add(r.span().spanIdHex())) {
        continue;
      }
      out.add(r);
      List<SpanView> kids = children.getOrDefault(r.span().spanIdHex(), List.of());
      for (int i = kids.size() - 1; i >= 0; i--) {
        stack.add(new Row(kids.get(i), r.depth() + 1));
      }
    }
    return out;
  }

  private static String parentId(SpanView s) {
    return HEX.formatHex(s.proto().getParentSpanId().toByteArray());
  }

  private static ObjectNode row(
      Row r, long traceStart, @Nullable LlmCall call, boolean showContent) {
    SpanView s = r.span();
    ObjectNode n = DebugApi.JSON.createObjectNode();
    n.put("span_id", s.spanIdHex());
    n.put("parent_span_id", parentId(s));
    n.put("depth", r.depth());
    n.put("name", s.name());
    n.put("service", s.serviceName());
    n.put("start_offset_ms", Math.max(0, s.startEpochNanos() - traceStart) / 1e6);
    n.put("duration_ms", s.durationNanos() / 1e6);
    n.put("ended", s.endEpochNanos() > 0);
    n.put("status", status(s.statusCode()));
    String message = s.proto().getStatus().getMessage();
    if (!message.isEmpty()) {
      n.put("status_message", message);
    }
    if (call != null) {
      n.set("llm", llm(call, showContent));
    }
    return n;
  }

  private static String status(Status.StatusCode code) {
    return switch (code) {
      case STATUS_CODE_OK -> "ok";
      case STATUS_CODE_ERROR -> "error";
      default -> "unset";
    };
  }

  private static ObjectNode llm(LlmCall c, boolean showContent) {
    ObjectNode n = DebugApi.JSON.createObjectNode();
    n.put("provider", c.provider());
    n.put("operation", c.operation());
    n.put("model_asked", c.requestModel());
    n.put("model_answered", c.responseModel());
    putNumber(n, "input_tokens", c.inputTokens());
    putNumber(n, "output_tokens", c.outputTokens());
    if (c.costUsd() != null) {
      n.put("cost_usd", c.costUsd());
    } else {
      n.putNull("cost_usd");
    }
    ArrayNode finish = n.putArray("finish_reasons");
    c.finishReasons().forEach(finish::add);
    if (c.streaming() != null) {
      n.put("streaming", c.streaming());
    } else {
      n.putNull("streaming");
    }
    if (!c.errorType().isEmpty()) {
      n.put("error_type", c.errorType());
    }
    if (showContent) {
      n.put("input", c.inputText());
      n.put("output", c.outputText());
    }
    return n;
  }

  private static void putNumber(ObjectNode n, String key, @Nullable Long value) {
    if (value != null) {
      n.put(key, value);
    } else {
      n.putNull(key);
    }
  }
}
