package dev.llmtail.server.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.core.log.DecisionRecord;
import dev.llmtail.core.log.LlmSummary;
import dev.llmtail.server.codec.DecisionJson;

/** Renders a decision record of {@code /debug} as JSON (message content only if shown). */
final class DecisionRecordJson {

  private final DecisionJson decisions;
  private final boolean showContent;

  DecisionRecordJson(boolean showContent) {
    this.showContent = showContent;
    this.decisions = DecisionJson.showingContent(showContent);
  }

  /** A decision record: the decision's one JSON form, then what the log knows of the trace. */
  ObjectNode write(DecisionRecord r) {
    ObjectNode n = decisions.write(r.decision());
    n.put("late_spans_since", r.lateSpans());
    ArrayNode earlier = n.putArray("earlier_decisions");
    r.earlier().forEach(e -> earlier.add(decisions.write(e)));
    ArrayNode conversations = n.putArray("conversation_ids");
    r.conversationIds().forEach(conversations::add);
    ObjectNode trace = n.putObject("trace");
    trace.put("root_span", r.rootName());
    trace.put("service", r.rootService());
    trace.put("start", r.start().toString());
    trace.put("duration_ms", r.duration().toNanos() / 1e6);
    trace.put("span_count", r.spanCount());
    n.set("llm", llm(r.llm()));
    return n;
  }

  private ObjectNode llm(LlmSummary s) {
    ObjectNode n = DebugApi.JSON.createObjectNode();
    n.put("calls", s.calls());
    ArrayNode asked = n.putArray("models_asked");
    s.modelsAsked().forEach(asked::add);
    ArrayNode answered = n.putArray("models_answered");
    s.modelsAnswered().forEach(answered::add);
    n.put("input_tokens", s.inputTokens());
    n.put("output_tokens", s.outputTokens());
    n.put("cached_input_tokens", s.cachedInputTokens());
    if (s.costUsd() != null) {
      n.put("cost_usd", s.costUsd());
    } else {
      n.putNull("cost_usd");
    }
    if (showContent && !s.content().isEmpty()) {
      ArrayNode content = n.putArray("content");
      for (LlmSummary.MessageContent c : s.content()) {
        content
            .addObject()
            .put("span_id", c.spanId())
            .put("input", c.input())
            .put("output", c.output());
      }
    }
    return n;
  }
}
