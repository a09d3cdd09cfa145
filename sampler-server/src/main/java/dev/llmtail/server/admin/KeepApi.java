package dev.llmtail.server.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.core.TraceId;
import dev.llmtail.server.promotion.KeepResult;
import dev.llmtail.server.promotion.KeepResult.Outcome;
import dev.llmtail.server.promotion.TracePromoter;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The answers of {@code POST /debug/traces/{id}/keep} and {@code POST
 * /debug/conversations/{id}/keep}: 200 when something was kept now, 409 when there is nothing to
 * overrule (kept already, or still buffered), 410 when the spans are gone (saying since when), 404
 * when llmtail knows nothing of it.
 */
final class KeepApi {

  private final Function<TraceId, KeepResult> keepTrace;
  private final Function<String, List<KeepResult>> keepConversation;

  KeepApi(
      Function<TraceId, KeepResult> keepTrace,
      Function<String, List<KeepResult>> keepConversation) {
    this.keepTrace = keepTrace;
    this.keepConversation = keepConversation;
  }

  static KeepApi of(TracePromoter promoter) {
    return new KeepApi(promoter::keepOnRequest, promoter::keepConversationOnRequest);
  }

  /** Keeps nothing: every trace is unknown (routes tested without a buffer or span log). */
  static KeepApi none() {
    return new KeepApi(
        id -> KeepResult.not(id, Outcome.UNKNOWN, "no span log: nothing is retained"),
        conversation -> List.of());
  }

  AdminResponse trace(String rawId) {
    TraceId id;
    try {
      id = TraceId.fromHex(rawId.trim().toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return DebugApi.error(400, String.valueOf(e.getMessage()));
    }
    KeepResult result = keepTrace.apply(id);
    return DebugApi.json(status(result.outcome()), json(result));
  }

  AdminResponse conversation(String rawId) {
    String conversation = rawId.trim();
    if (conversation.isEmpty()) {
      return DebugApi.error(
          400,
          "conversation id: empty (expected: the id from gen_ai.conversation.id or session.id)");
    }
    List<KeepResult> results = keepConversation.apply(conversation);
    if (results.isEmpty()) {
      return DebugApi.error(
          404,
          "conversation "
              + conversation
              + ": the decision log holds no trace of it (see GET /debug/conversations/"
              + conversation
              + ")");
    }
    long kept = results.stream().filter(r -> r.outcome() == Outcome.KEPT).count();
    ObjectNode out = DebugApi.JSON.createObjectNode();
    out.put("conversation_id", conversation);
    out.put("kept", kept);
    out.put(
        "explanation",
        "Kept "
            + kept
            + " of the "
            + results.size()
            + (results.size() == 1 ? " trace" : " traces")
            + " the decision log holds of conversation "
            + conversation
            + " on request; each trace says why or why not.");
    ArrayNode traces = out.putArray("traces");
    results.forEach(r -> traces.add(json(r)));
    int status;
    if (kept > 0) {
      status = 200;
    } else if (results.stream().anyMatch(r -> r.outcome() == Outcome.NOT_RETAINED)) {
      status = 410;
    } else {
      status = 409;
    }
    if (status != 200) {
      out.put(
          "error",
          "Kept no trace of conversation "
              + conversation
              + ": "
              + String.join(" ", results.stream().map(KeepResult::explanation).toList()));
    }
    return DebugApi.json(status, out);
  }

  private static ObjectNode json(KeepResult r) {
    ObjectNode n = DebugApi.JSON.createObjectNode();
    n.put("trace_id", r.traceId().toHex());
    n.put("outcome", r.outcome().name().toLowerCase(Locale.ROOT));
    n.put("explanation", r.explanation());
    n.put("spans", r.spans());
    n.put("log_records", r.logRecords());
    if (r.outcome() != Outcome.KEPT) {
      n.put("error", r.explanation());
    }
    return n;
  }

  private static int status(Outcome outcome) {
    return switch (outcome) {
      case KEPT -> 200;
      case ALREADY_KEPT, BUFFERED -> 409;
      case NOT_RETAINED -> 410;
      case UNKNOWN -> 404;
    };
  }
}
