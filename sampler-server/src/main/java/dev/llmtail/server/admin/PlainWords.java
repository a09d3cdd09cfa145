package dev.llmtail.server.admin;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.DurationFormat;
import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.Vote;
import dev.llmtail.core.buffer.BufferedTraceInfo;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.log.DecisionRecord;
import dev.llmtail.core.log.ForgottenTrace;
import dev.llmtail.core.log.LlmSummary;
import dev.llmtail.core.status.TraceStatus;
import dev.llmtail.server.codec.DecisionJson;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns what llmtail knows about a trace into sentences an on-call person can read without knowing
 * llmtail: "Dropped at 12:03:14 UTC (2026-11-27): no policy matched. errors: …".
 */
final class PlainWords {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss 'UTC' '('yyyy-MM-dd')'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private PlainWords() {}

  static String time(Instant t) {
    return TIME.format(t);
  }

  static String decided(DecisionRecord r) {
    Decision d = r.decision();
    StringBuilder s = new StringBuilder();
    for (Decision earlier : r.earlier()) {
      s.append(outcomeAt(earlier, s.isEmpty())).append(' ');
    }
    s.append(outcomeAt(d, s.isEmpty()));
    for (PolicyVerdict v : d.verdicts()) {
      s.append(' ').append(v.policy());
      if (v.verdict().vote() != Vote.NO_OPINION) {
        s.append(" voted ").append(DecisionJson.vote(v.verdict().vote()));
      }
      s.append(": ").append(sentence(v.verdict().reason()));
    }
    s.append(' ').append(shape(r));
    if (d.adjustedCount() > 1) {
      s.append(" It stands for ")
          .append(number(d.adjustedCount()))
          .append(" traces like it (adjusted count).");
    }
    if (r.lateSpans() > 0) {
      s.append(' ')
          .append(r.lateSpans())
          .append(r.lateSpans() == 1 ? " span" : " spans")
          .append(" arrived after the decision and ")
          .append(r.lateSpans() == 1 ? "was " : "were ")
          .append(d.kept() ? "forwarded too." : "dropped too.");
    }
    s.append(' ').append(when(d.trigger()));
    return s.toString();
  }

  /** "Dropped at 12:03:14 UTC (…): no policy matched." or, after another, "Then kept at …". */
  private static String outcomeAt(Decision d, boolean first) {
    String word = d.kept() ? "kept" : "dropped";
    return (first ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : "Then " + word)
        + " at "
        + time(d.decidedAt())
        + ": "
        + d.reason()
        + ".";
  }

  private static String when(DecisionTrigger trigger) {
    return switch (trigger) {
      case COMPLETE ->
          "It was decided once complete (root span ended, then quiet_period with no new span).";
      case MAX_WAIT ->
          "It was decided at max_trace_wait, before it was complete: policies saw only the spans that had arrived.";
      case PRESSURE ->
          "It was decided early because the buffer was full (buffer.max_traces or max_bytes): policies saw only the spans that had arrived.";
      case MAX_TRACE_SPANS ->
          "It was decided early: over max_trace_spans (the trace alone held more spans than"
              + " buffer.max_trace_spans allows one trace), so policies saw only the spans that had"
              + " arrived; later spans follow this decision.";
      case MAX_TRACE_BYTES ->
          "It was decided early: over max_trace_bytes (the trace alone held more span bytes than"
              + " buffer.max_trace_bytes allows one trace), so policies saw only the spans that had"
              + " arrived; later spans follow this decision.";
      case SHUTDOWN ->
          "It was decided when llmtail shut down: policies saw only the spans that had arrived.";
      case PROMOTED ->
          "It had been dropped and was kept afterwards, while the span log still held its spans:"
              + " every retained span and log record was exported then, marked"
              + " llmtail.sampling.promoted=true.";
    };
  }

  private static String shape(DecisionRecord r) {
    List<String> parts = new ArrayList<>();
    String root = r.rootName().isEmpty() ? "(root span never arrived)" : r.rootName();
    parts.add(
        "The trace: "
            + root
            + " in "
            + r.rootService()
            + ", "
            + r.spanCount()
            + (r.spanCount() == 1 ? " span" : " spans")
            + " over "
            + DurationFormat.format(r.duration())
            + ", started "
            + time(r.start()));
    LlmSummary llm = r.llm();
    if (llm.calls() > 0) {
      String models =
          llm.modelsAnswered().isEmpty()
              ? String.join(", ", llm.modelsAsked())
              : String.join(", ", llm.modelsAnswered());
      parts.add(
          llm.calls()
              + (llm.calls() == 1 ? " LLM call" : " LLM calls")
              + (models.isEmpty() ? "" : " (" + models + ")")
              + ", "
              + (llm.inputTokens() + llm.outputTokens())
              + " tokens"
              + (llm.costUsd() == null
                  ? ""
                  : String.format(Locale.ROOT, ", $%.4f", llm.costUsd())));
    }
    if (!r.conversationIds().isEmpty()) {
      parts.add("conversation " + String.join(", ", r.conversationIds()));
    }
    return String.join("; ", parts) + ".";
  }

  static String rememberedOnly(RememberedDecision d) {
    return (d.kept() ? "Kept" : "Dropped")
        + ": "
        + d.reason()
        + ". The full record (each policy's verdict and evidence) is not in the decision log:"
        + " either it is being written right now (ask again), or the log already forgot it.";
  }

  static String buffered(BufferedTraceInfo b, Instant dueAt) {
    return "Not decided yet: "
        + b.spanCount()
        + (b.spanCount() == 1 ? " span" : " spans")
        + " of this trace are buffered (first arrived "
        + DurationFormat.format(b.sinceFirstSpan())
        + " ago, latest "
        + DurationFormat.format(b.sinceLastSpan())
        + " ago). It waits because "
        + waitingFor(b)
        + ". If no other span arrives it will be decided at "
        + time(dueAt)
        + " (in "
        + DurationFormat.format(b.dueIn())
        + ", trigger "
        + DecisionJson.trigger(b.expectedTrigger())
        + ").";
  }

  /** Why a buffered trace is still waiting, from its facts and the buffer's timing settings. */
  static String waitingFor(BufferedTraceInfo b) {
    if (b.deciding()) {
      return "it is being decided right now";
    }
    String rule =
        b.completionRule()
            .map(r -> " (the completion rule when " + r.when() + " applies)")
            .orElse("");
    if (b.rootEnded()) {
      return "its root span has ended; it is decided once no span arrives for quiet_period "
          + DurationFormat.format(b.quietPeriod())
          + (b.expectedTrigger() == DecisionTrigger.COMPLETE
              ? ""
              : ", but max_trace_wait " + DurationFormat.format(b.maxTraceWait()) + " comes first")
          + rule;
    }
    return "its root span has not ended yet (or has not arrived); it is decided quiet_period "
        + DurationFormat.format(b.quietPeriod())
        + " after the root ends, or at the latest max_trace_wait "
        + DurationFormat.format(b.maxTraceWait())
        + " after its first span"
        + rule;
  }

  static String forgotten(TraceStatus.Forgotten status) {
    ForgottenTrace f = status.trace();
    Instant horizon = status.logHorizon();
    int maxEntries = status.logMaxEntries();
    Duration maxAge = status.logMaxAge();
    return (f.kept() ? "Kept" : "Dropped")
        + " at "
        + time(f.decidedAt())
        + ", but the decision log no longer holds why: it keeps at most "
        + maxEntries
        + " decisions for at most "
        + DurationFormat.format(maxAge)
        + ", and now holds decisions since "
        + time(horizon)
        + ". Raise admin.decision_log.max_entries or max_age to keep them longer.";
  }

  static String neverSeen(TraceId id, Instant horizon) {
    return "llmtail has no record of trace "
        + id
        + ": no span of it is buffered, and the decision log,"
        + " which holds decisions since "
        + time(horizon)
        + ", has none for it. Either its spans never"
        + " reached llmtail (check the service's exporter and the Collector pipeline that feeds llmtail),"
        + " or it was decided before "
        + time(horizon)
        + ".";
  }

  static String conversation(String id, List<DecisionRecord> records, Instant horizon) {
    if (records.isEmpty()) {
      return "No trace of conversation "
          + id
          + " is in the decision log, which holds decisions since "
          + time(horizon)
          + ". Conversation ids are read from gen_ai.conversation.id and session.id"
          + " (and the LLM spans of every supported dialect); check the id, or look up a trace id.";
    }
    long kept = records.stream().filter(r -> r.decision().kept()).count();
    return "Conversation "
        + id
        + ": "
        + records.size()
        + (records.size() == 1 ? " trace" : " traces")
        + " in the decision log (since "
        + time(horizon)
        + "), "
        + kept
        + " kept and "
        + (records.size() - kept)
        + " dropped. Newest first:";
  }

  /** Why {@code /debug} shows no spans for a trace in {@code state} with {@code outcome}. */
  static String spansNotHeld(String state, String outcome) {
    if (state.equals("never_seen")) {
      return "No span of this trace is held.";
    }
    if (state.equals("buffered")) {
      return "Its spans are being decided right now; ask again in a moment.";
    }
    if (outcome.equals("kept")) {
      return "Its spans were exported to the tracing backend; llmtail holds only the most recently"
          + " kept traces' spans (16 MiB, for admin.decision_log.max_age), and this one is no longer"
          + " among them. Look it up in the backend.";
    }
    return "Its spans were dropped with it: llmtail holds the decision, not the spans of dropped"
        + " traces.";
  }

  private static String sentence(String text) {
    String t = text.strip();
    return t.endsWith(".") ? t : t + ".";
  }

  private static String number(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.2f", d);
  }
}
