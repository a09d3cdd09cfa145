package dev.llmtail.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.core.DurationFormat;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Vote;
import dev.llmtail.core.buffer.BufferedTraceInfo;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.log.DecisionRecord;
import dev.llmtail.core.log.ForgottenTrace;
import dev.llmtail.core.status.SpanSource;
import dev.llmtail.core.status.TraceStatus;
import dev.llmtail.core.status.TraceStatusLookup;
import dev.llmtail.server.codec.DecisionJson;
import dev.llmtail.server.config.DurationText;
import dev.llmtail.server.internal.DidYouMean;
import dev.llmtail.server.storage.SpanLog;
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
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The JSON answers of {@code /debug/traces/{id}}, {@code /debug/conversations/{id}} and {@code
 * /debug/decisions}: each carries the facts and an {@code explanation} in plain words.
 *
 * <p>Where a trace is comes from core's {@link TraceStatusLookup} ({@code state}: {@code buffered},
 * {@code decided}, {@code forgotten} or {@code never_seen}); this class only renders it, with
 * {@link PlainWords} for the sentences and {@link DecisionJson} for every decision. Message content
 * in evidence is hidden unless {@code showContent}.
 */
final class DebugApi {

  static final ObjectMapper JSON = new ObjectMapper();

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  /** The windows of {@code /debug/keep-rates}, by the name the page shows. */
  static final List<Window> KEEP_RATE_WINDOWS =
      List.of(new Window("15m", Duration.ofMinutes(15)), new Window("1h", Duration.ofHours(1)));

  /** A window of {@code /debug/keep-rates}: its name as the page shows it, and its length. */
  record Window(String name, Duration length) {}

  private final DecisionLog log;
  private final Function<TraceId, Optional<String>> lateEvidence;
  private final SpanLog spanLog;
  private final Function<TraceId, TraceStatus> status;
  private final Clock clock;
  private final boolean showContent;
  private final DecisionRecordJson recordJson;
  private final Map<String, SpanSource> spans;
  private final @Nullable Supplier<List<String>> policyNames; // null: names not known, not checked

  /**
   * As below, without a span log or notes on late evidence; {@code policyNames} may be null (a
   * {@code policy=} filter then answers no decisions).
   */
  DebugApi(
      DecisionLog log,
      Function<TraceId, TraceStatus> status,
      Map<String, SpanSource> spans,
      Clock clock,
      boolean showContent,
      @Nullable Supplier<List<String>> policyNames) {
    this(
        log,
        status,
        spans,
        SpanLog.memoryOnly(),
        clock,
        showContent,
        policyNames,
        id -> Optional.empty());
  }

  /**
   * @param status where a trace is now ({@link TraceStatusLookup#status})
   * @param spans where a trace's spans may still be read, asked in iteration order, each named by
   *     what it holds ({@code buffered}, {@code kept}, {@code retained}); the first that holds the
   *     trace draws its waterfall
   * @param spanLog says whether a dropped trace's spans are still held, and until when
   * @param policyNames the names of the running config's policies, in order, for the answer to a
   *     {@code policy=} it does not have; null to answer such a filter with no decisions
   * @param lateEvidence why evidence that arrived late did not keep a dropped trace, if it did not
   *     ({@link dev.llmtail.server.promotion.TracePromoter#lateEvidenceNote})
   */
  DebugApi(
      DecisionLog log,
      Function<TraceId, TraceStatus> status,
      Map<String, SpanSource> spans,
      SpanLog spanLog,
      Clock clock,
      boolean showContent,
      @Nullable Supplier<List<String>> policyNames,
      Function<TraceId, Optional<String>> lateEvidence) {
    this.lateEvidence = lateEvidence;
    this.spanLog = spanLog;
    this.policyNames = policyNames;
    this.log = log;
    this.status = status;
    this.spans = spans;
    this.clock = clock;
    this.showContent = showContent;
    this.recordJson = new DecisionRecordJson(showContent);
  }

  AdminResponse trace(String rawId) {
    TraceId id;
    try {
      id = TraceId.fromHex(rawId.trim().toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return error(400, String.valueOf(e.getMessage()));
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("trace_id", id.toHex());
    TraceStatus found = status.apply(id);
    if (found instanceof TraceStatus.Buffered buffered) {
      BufferedTraceInfo b = buffered.trace();
      Instant now = clock.instant();
      Instant dueAt = now.plus(b.dueIn());
      out.put("state", "buffered");
      out.put("explanation", PlainWords.buffered(b, dueAt));
      ObjectNode n = out.putObject("buffered");
      n.put("span_count", b.spanCount());
      n.put("bytes", b.bytes());
      n.put("root_ended", b.rootEnded());
      n.put("being_decided", b.deciding());
      n.put("first_span_at", now.minus(b.sinceFirstSpan()).toString());
      n.put("last_span_at", now.minus(b.sinceLastSpan()).toString());
      n.put("decided_by", dueAt.toString());
      n.put("expected_trigger", DecisionJson.trigger(b.expectedTrigger()));
      n.put("waiting_for", PlainWords.waitingFor(b));
      // Which buffer.completion_rules entry timed it; null: the buffer's
      // quiet_period/max_trace_wait.
      b.completionRule()
          .ifPresentOrElse(
              r -> {
                ObjectNode rule = n.putObject("completion_rule");
                rule.put("when", r.when());
                rule.put("quiet_period", DurationFormat.format(r.quietPeriod()));
                rule.put("max_trace_wait", DurationFormat.format(r.maxTraceWait()));
              },
              () -> n.putNull("completion_rule"));
      buffered.earlierDecision().ifPresent(r -> out.set("earlier_decision", recordJson.write(r)));
    } else if (found instanceof TraceStatus.Decided decided) {
      out.put("state", "decided");
      out.put("explanation", PlainWords.decided(decided.record()));
      out.set("decision", recordJson.write(decided.record()));
    } else if (found instanceof TraceStatus.RememberedOnly cached) {
      RememberedDecision d = cached.decision();
      out.put("state", "decided");
      out.put("explanation", PlainWords.rememberedOnly(d));
      ObjectNode n = out.putObject("decision");
      n.put("trace_id", id.toHex());
      n.put("outcome", DecisionJson.outcome(d.kept()));
      n.put("reason", d.reason());
      n.put("adjusted_count", d.adjustedCount());
      out.put("log_horizon", cached.logHorizon().toString());
    } else if (found instanceof TraceStatus.Forgotten forgotten) {
      ForgottenTrace f = forgotten.trace();
      out.put("state", "forgotten");
      out.put("explanation", PlainWords.forgotten(forgotten));
      out.put("outcome", DecisionJson.outcome(f.kept()));
      out.put("decided_at", f.decidedAt().toString());
      out.put("forgotten_at", f.forgottenAt().toString());
      out.put("log_horizon", forgotten.logHorizon().toString());
    } else if (found instanceof TraceStatus.NeverSeen never) {
      out.put("state", "never_seen");
      out.put("explanation", PlainWords.neverSeen(id, never.logHorizon()));
      out.put("log_horizon", never.logHorizon().toString());
    } else {
      throw new IllegalStateException("a trace status /debug cannot render: " + found);
    }
    if (spanLog.durable() && !(found instanceof TraceStatus.Buffered)) {
      Optional<Instant> held = spanLog.heldUntil(id);
      if (held.isPresent()) {
        out.put("spans_held_until", held.get().toString());
        out.put(
            "explanation",
            out.path("explanation").asText()
                + " Its spans are still held in the span log until "
                + held.get()
                + " (storage.retention).");
      } else {
        out.putNull("spans_held_until");
      }
    }
    lateEvidence
        .apply(id)
        .ifPresent(
            note -> {
              out.put("late_evidence", note);
              out.put("explanation", out.path("explanation").asText() + " " + note);
            });
    waterfall(id, out);
    return json(200, out);
  }

  /** The trace's spans from the first source that holds them, or why none is shown. */
  private void waterfall(TraceId id, ObjectNode out) {
    for (Map.Entry<String, SpanSource> source : spans.entrySet()) {
      Optional<TraceView> held = source.getValue().spans(id);
      if (held.isPresent()) {
        out.set("waterfall", Waterfall.of(held.get(), source.getKey(), showContent));
        return;
      }
    }
    out.put("waterfall_missing", PlainWords.spansNotHeld(out.path("state").asText(), outcome(out)));
  }

  private static String outcome(ObjectNode answer) {
    if (answer.has("decision")) {
      return answer.path("decision").path("outcome").asText();
    }
    return answer.path("outcome").asText("");
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
      ObjectNode t = recordJson.write(r);
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
    String policyAsked = null;
    if (policy != null) {
      String p = policy.trim();
      policyAsked = p;
      filter =
          filter.and(
              r ->
                  r.decision().verdicts().stream()
                      .anyMatch(
                          v -> v.policy().equals(p) && v.verdict().vote() != Vote.NO_OPINION));
    }
    String service = first(query, "service");
    if (service != null && !service.isBlank()) {
      String svc = service.trim();
      filter = filter.and(r -> r.rootService().equals(svc));
    }
    String model = first(query, "model");
    if (model != null && !model.isBlank()) {
      String m = model.trim();
      filter =
          filter.and(
              r -> r.llm().modelsAsked().contains(m) || r.llm().modelsAnswered().contains(m));
    }
    for (String key : List.of("since", "until")) {
      String raw = first(query, key);
      if (raw == null || raw.isBlank()) {
        continue;
      }
      Instant at;
      try {
        at = instant(key, raw.trim());
      } catch (IllegalArgumentException e) {
        return error(400, String.valueOf(e.getMessage()));
      }
      filter =
          filter.and(
              key.equals("since")
                  ? r -> !r.decision().decidedAt().isBefore(at)
                  : r -> r.decision().decidedAt().isBefore(at));
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
    List<String> running = policyNames == null ? null : policyNames.get();
    if (policyAsked != null
        && running != null
        && records.isEmpty()
        && !running.contains(policyAsked)) {
      // Not a policy now, and no remembered vote by it (a policy removed by a reload still has
      // its votes in the log): most likely a typo of a policy name, or a type given for a name.
      return error(
          400,
          "policy: '"
              + policyAsked
              + "' is not a policy of the running config"
              + DidYouMean.suffix(policyAsked, running)
              + " (policies: "
              + String.join(", ", running)
              + ")");
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("count", records.size());
    out.put("log_horizon", log.horizon().toString());
    ArrayNode list = out.putArray("decisions");
    for (DecisionRecord r : records) {
      ObjectNode item = recordJson.write(r);
      item.put("explanation", PlainWords.decided(r));
      list.add(item);
    }
    return json(200, out);
  }

  /** Over the last 15 minutes and the last hour: see {@link KeepRates}. */
  AdminResponse keepRates() {
    return new KeepRates(log, clock).answer();
  }

  /** An ISO-8601 instant, or a duration meaning "that long ago". */
  private Instant instant(String key, String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException notAnInstant) {
      try {
        Duration ago = DurationText.parse(text);
        return clock.instant().minus(ago);
      } catch (IllegalArgumentException notADuration) {
        throw new IllegalArgumentException(
            key
                + ": '"
                + text
                + "' (expected: an instant like 2026-11-27T12:00:00Z or a duration like 15m)",
            notADuration);
      }
    }
  }

  private static @Nullable String first(Map<String, List<String>> query, String key) {
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
