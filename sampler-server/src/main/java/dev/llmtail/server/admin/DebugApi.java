package dev.llmtail.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.core.Decision;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.Vote;
import dev.llmtail.core.buffer.BufferedTraceInfo;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.log.DecisionRecord;
import dev.llmtail.core.log.ForgottenTrace;
import dev.llmtail.core.log.LlmSummary;
import dev.llmtail.server.config.DurationText;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The JSON answers of {@code /debug/traces/{id}}, {@code /debug/conversations/{id}} and {@code
 * /debug/decisions}: each carries the facts and an {@code explanation} in plain words.
 *
 * <p>A trace is in one of four states: {@code buffered} (still waiting; when and why), {@code
 * decided} (the log holds its record), {@code forgotten} (decided, but its record left the log's
 * bounds) or {@code never_seen}. Message content in evidence is hidden unless {@code showContent}.
 */
final class DebugApi {

  static final ObjectMapper JSON = new ObjectMapper();

  /** Evidence attributes that may carry prompt or output text. */
  private static final Pattern CONTENT_ATTRIBUTE =
      Pattern.compile(
          "(?i).*(prompt|completion|message|content|input\\.value|output\\.value|input text|output text|\\.input|\\.output).*");

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  private final DecisionLog log;
  private final Function<TraceId, Optional<BufferedTraceInfo>> buffered;
  private final Function<TraceId, RememberedDecision> remembered;
  private final Clock clock;
  private final boolean showContent;

  DebugApi(
      DecisionLog log,
      Function<TraceId, Optional<BufferedTraceInfo>> buffered,
      Function<TraceId, RememberedDecision> remembered,
      Clock clock,
      boolean showContent) {
    this.log = log;
    this.buffered = buffered;
    this.remembered = remembered;
    this.clock = clock;
    this.showContent = showContent;
  }

  AdminResponse trace(String rawId) {
    TraceId id;
    try {
      id = TraceId.fromHex(rawId.trim().toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return error(400, e.getMessage());
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("trace_id", id.toHex());
    Optional<BufferedTraceInfo> waiting = buffered.apply(id);
    Optional<DecisionRecord> decided = log.find(id);
    if (waiting.isPresent()) {
      BufferedTraceInfo b = waiting.get();
      Instant now = clock.instant();
      Instant firstSeen = now.minus(b.sinceFirstSpan());
      Instant dueAt = now.plus(b.dueIn());
      out.put("state", "buffered");
      out.put("explanation", PlainWords.buffered(b, dueAt));
      ObjectNode n = out.putObject("buffered");
      n.put("span_count", b.spanCount());
      n.put("bytes", b.bytes());
      n.put("root_ended", b.rootEnded());
      n.put("being_decided", b.deciding());
      n.put("first_span_at", firstSeen.toString());
      n.put("last_span_at", now.minus(b.sinceLastSpan()).toString());
      n.put("decided_by", dueAt.toString());
      n.put("expected_trigger", b.expectedTrigger().name().toLowerCase(Locale.ROOT));
      n.put("waiting_for", b.waitingFor());
      decided.ifPresent(r -> out.set("earlier_decision", record(r)));
    } else if (decided.isPresent()) {
      out.put("state", "decided");
      out.put("explanation", PlainWords.decided(decided.get()));
      out.set("decision", record(decided.get()));
    } else {
      Instant horizon = log.horizon();
      Optional<ForgottenTrace> forgotten = log.forgotten(id);
      // The buffer remembers a decision a moment before the log records it, and (with a
      // decision_cache longer than the log) possibly after the log forgot it.
      RememberedDecision cached = remembered.apply(id);
      if (forgotten.isEmpty() && cached != null) {
        out.put("state", "decided");
        out.put("explanation", PlainWords.rememberedOnly(cached));
        ObjectNode n = out.putObject("decision");
        n.put("trace_id", id.toHex());
        n.put("outcome", cached.kept() ? "kept" : "dropped");
        n.put("reason", cached.reason());
        n.put("adjusted_count", cached.adjustedCount());
      } else if (forgotten.isPresent()) {
        ForgottenTrace f = forgotten.get();
        out.put("state", "forgotten");
        out.put("explanation", PlainWords.forgotten(f, horizon, log.maxEntries(), log.maxAge()));
        out.put("outcome", f.kept() ? "kept" : "dropped");
        out.put("decided_at", f.decidedAt().toString());
        out.put("forgotten_at", f.forgottenAt().toString());
      } else {
        out.put("state", "never_seen");
        out.put("explanation", PlainWords.neverSeen(id, horizon));
      }
      out.put("log_horizon", horizon.toString());
    }
    return json(200, out);
  }

  AdminResponse conversation(String id) {
    String conversation = id.trim();
    if (conversation.isEmpty()) {
      return error(
          400,
          "conversation id: empty (expected: the id from gen_ai.conversation.id or session.id)");
    }
    List<DecisionRecord> records = log.conversation(conversation);
    Instant horizon = log.horizon();
    ObjectNode out = JSON.createObjectNode();
    out.put("conversation_id", conversation);
    out.put("explanation", PlainWords.conversation(conversation, records, horizon));
    out.put("log_horizon", horizon.toString());
    ArrayNode traces = out.putArray("traces");
    for (DecisionRecord r : records) {
      ObjectNode t = record(r);
      t.put("explanation", PlainWords.decided(r));
      traces.add(t);
    }
    return json(200, out);
  }

  AdminResponse decisions(Map<String, List<String>> query) {
    Predicate<DecisionRecord> filter = r -> true;
    String outcome = first(query, "outcome");
    if (outcome != null) {
      String o = outcome.trim().toLowerCase(Locale.ROOT);
      if (!o.equals("kept") && !o.equals("dropped")) {
        return error(400, "outcome: '" + outcome + "' (expected: kept or dropped)");
      }
      boolean kept = o.equals("kept");
      filter = filter.and(r -> r.decision().kept() == kept);
    }
    String policy = first(query, "policy");
    if (policy != null) {
      String p = policy.trim();
      filter =
          filter.and(
              r ->
                  r.decision().verdicts().stream()
                      .anyMatch(
                          v -> v.policy().equals(p) && v.verdict().vote() != Vote.NO_OPINION));
    }
    String since = first(query, "since");
    if (since != null) {
      Instant from;
      try {
        from = since(since.trim());
      } catch (IllegalArgumentException e) {
        return error(400, e.getMessage());
      }
      filter = filter.and(r -> !r.decision().decidedAt().isBefore(from));
    }
    int limit = DEFAULT_LIMIT;
    String rawLimit = first(query, "limit");
    if (rawLimit != null) {
      try {
        limit = Integer.parseInt(rawLimit.trim());
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        return error(
            400,
            "limit: '" + rawLimit + "' (expected: a whole number from 1 to " + MAX_LIMIT + ")");
      }
    }
    List<DecisionRecord> records = log.recent(filter, limit);
    ObjectNode out = JSON.createObjectNode();
    out.put("count", records.size());
    out.put("log_horizon", log.horizon().toString());
    ArrayNode list = out.putArray("decisions");
    for (DecisionRecord r : records) {
      ObjectNode item = record(r);
      item.put("explanation", PlainWords.decided(r));
      list.add(item);
    }
    return json(200, out);
  }

  /** An ISO-8601 instant, or a duration meaning "that long ago". */
  private Instant since(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException notAnInstant) {
      try {
        Duration ago = DurationText.parse(text);
        return clock.instant().minus(ago);
      } catch (IllegalArgumentException notADuration) {
        throw new IllegalArgumentException(
            "since: '"
                + text
                + "' (expected: an instant like 2026-11-27T12:00:00Z or a duration like 15m)",
            notADuration);
      }
    }
  }

  private ObjectNode record(DecisionRecord r) {
    Decision d = r.decision();
    ObjectNode n = JSON.createObjectNode();
    n.put("trace_id", r.traceId().toHex());
    n.put("outcome", d.kept() ? "kept" : "dropped");
    n.put("reason", d.reason());
    n.put("decided_at", d.decidedAt().toString());
    n.put("trigger", d.trigger().name().toLowerCase(Locale.ROOT));
    n.put("adjusted_count", d.adjustedCount());
    if (d.configVersion() > 0) {
      n.put("config_version", d.configVersion());
    }
    n.put("late_spans_since", r.lateSpans());
    ArrayNode conversations = n.putArray("conversation_ids");
    r.conversationIds().forEach(conversations::add);
    ObjectNode trace = n.putObject("trace");
    trace.put("root_span", r.rootName());
    trace.put("service", r.rootService());
    trace.put("start", r.start().toString());
    trace.put("duration_ms", r.duration().toNanos() / 1e6);
    trace.put("span_count", r.spanCount());
    n.set("llm", llm(r.llm()));
    ArrayNode policies = n.putArray("policies");
    for (PolicyVerdict v : d.verdicts()) {
      ObjectNode p = policies.addObject();
      p.put("name", v.policy());
      p.put("type", v.type());
      p.put("vote", v.verdict().vote().name().toLowerCase(Locale.ROOT));
      p.put("reason", v.verdict().reason());
      if (v.verdict().vote() == Vote.KEEP) {
        p.put("keep_probability", v.verdict().keepProbability());
      }
      ArrayNode evidence = p.putArray("evidence");
      for (Evidence e : v.verdict().evidence()) {
        ObjectNode ev = evidence.addObject();
        ev.put("span_id", e.spanId());
        ev.put("attribute", e.attribute());
        ev.put("observed", shown(e));
        ev.put("threshold", e.threshold());
      }
    }
    return n;
  }

  private String shown(Evidence e) {
    if (showContent || !CONTENT_ATTRIBUTE.matcher(e.attribute()).matches()) {
      return e.observed();
    }
    return "(message content hidden; set admin.show_message_content: true to show it)";
  }

  private ObjectNode llm(LlmSummary s) {
    ObjectNode n = JSON.createObjectNode();
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

  private static String first(Map<String, List<String>> query, String key) {
    List<String> values = query.get(key);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  static AdminResponse json(int status, Object body) {
    try {
      return AdminResponse.of(
          status,
          AdminResponse.JSON,
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON answer", e);
    }
  }

  static AdminResponse error(int status, String message) {
    ObjectNode n = JSON.createObjectNode();
    n.put("error", message);
    return json(status, n);
  }
}
