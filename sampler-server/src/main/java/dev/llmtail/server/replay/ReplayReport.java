package dev.llmtail.server.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.core.Decision;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.server.codec.DecisionJson;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Prints what {@link Replay} decided: a table (one line per trace and a summary) or JSON, and for
 * one trace every policy's verdict with its evidence. JSON decisions are {@link DecisionJson}'s,
 * the same form {@code /debug} answers with.
 */
public final class ReplayReport {

  /** How a report is printed. */
  public enum Format {
    TABLE,
    JSON
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final int REASON_WIDTH = 80;

  /** A recording is the user's own data: evidence is shown whole. */
  private static final DecisionJson DECISIONS = DecisionJson.showingContent(true);

  private ReplayReport() {}

  /** Prints every trace's outcome and a summary with how many each policy kept. */
  public static void traces(List<Replay.Outcome> outcomes, Format format, PrintWriter out) {
    long kept = outcomes.stream().filter(o -> o.decision().kept()).count();
    Map<String, Integer> keptBy = new LinkedHashMap<>();
    for (Replay.Outcome o : outcomes) {
      if (o.decision().kept()) {
        o.decision().keptBy().forEach(p -> keptBy.merge(p, 1, Integer::sum));
      }
    }
    if (format == Format.JSON) {
      ObjectNode root = JSON.createObjectNode();
      ObjectNode summary = root.putObject("summary");
      summary.put("traces", outcomes.size());
      summary.put("kept", kept);
      summary.put("dropped", outcomes.size() - kept);
      ObjectNode by = summary.putObject("kept_by");
      keptBy.forEach(by::put);
      ArrayNode traces = root.putArray("traces");
      for (Replay.Outcome o : outcomes) {
        traces.add(json(o));
      }
      print(root, out);
      return;
    }
    out.printf("%-32s  %-7s  %5s  %4s  %s%n", "TRACE ID", "OUTCOME", "SPANS", "LLM", "WHY");
    for (Replay.Outcome o : outcomes) {
      Decision d = o.decision();
      out.printf(
          "%-32s  %-7s  %5d  %4d  %s%n",
          d.traceId().toHex(),
          d.kept() ? "kept" : "dropped",
          o.spanCount(),
          o.llmCalls(),
          abbreviate(d.reason()));
    }
    out.printf(
        "%n%d traces: %d kept (%.1f%%), %d dropped%n",
        outcomes.size(),
        kept,
        outcomes.isEmpty() ? 0.0 : 100.0 * kept / outcomes.size(),
        outcomes.size() - kept);
    keptBy.forEach((policy, n) -> out.printf("  kept by %s: %d%n", policy, n));
    out.flush();
  }

  /** Prints one trace's decision with every policy's verdict and evidence. */
  public static void explain(Replay.Outcome outcome, Format format, PrintWriter out) {
    explain(outcome, Optional.empty(), format, out);
  }

  /**
   * As above; {@code promotedAs} is the reason a live llmtail exported the recorded trace with when
   * it kept it after a drop ({@code llmtail.sampling.promoted=true} on its spans): the output then
   * says the trace was dropped first and kept afterwards, under {@code recorded} in JSON.
   */
  public static void explain(
      Replay.Outcome outcome, Optional<String> promotedAs, Format format, PrintWriter out) {
    Decision d = outcome.decision();
    if (format == Format.JSON) {
      ObjectNode root = json(outcome);
      promotedAs.ifPresent(
          reason ->
              root.putObject("recorded")
                  .put("promoted", true)
                  .put("reason", reason)
                  .put(
                      "explanation",
                      "Dropped when first decided, then kept afterwards: " + reason + "."));
      print(root, out);
      return;
    }
    out.printf(
        "trace %s: %s — %s%n", d.traceId().toHex(), d.kept() ? "KEPT" : "DROPPED", d.reason());
    promotedAs.ifPresent(
        reason ->
            out.printf(
                "recorded promoted (llmtail.sampling.promoted): dropped when first decided, then"
                    + " kept afterwards: %s%n",
                reason));
    out.printf(
        "%d span%s, %d LLM call%s%s%n%n",
        outcome.spanCount(),
        outcome.spanCount() == 1 ? "" : "s",
        outcome.llmCalls(),
        outcome.llmCalls() == 1 ? "" : "s",
        d.kept() ? ", adjusted count " + trim(d.adjustedCount()) : "");
    for (PolicyVerdict v : d.verdicts()) {
      out.printf(
          "%-10s %s (%s): %s%n",
          DecisionJson.vote(v.verdict().vote()), v.policy(), v.type(), v.verdict().reason());
      for (Evidence e : v.verdict().evidence()) {
        out.printf(
            "           %s%s = %s%s%n",
            e.spanId().isEmpty() ? "trace: " : "span " + e.spanId() + ": ",
            e.attribute(),
            e.observed(),
            e.threshold().isEmpty() ? "" : " (threshold " + e.threshold() + ")");
      }
    }
    out.flush();
  }

  /** The decision's one JSON form, plus what replay counted in the trace. */
  private static ObjectNode json(Replay.Outcome o) {
    ObjectNode n = DECISIONS.write(o.decision());
    n.put("span_count", o.spanCount());
    n.put("llm_calls", o.llmCalls());
    return n;
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static String abbreviate(String reason) {
    return reason.length() <= REASON_WIDTH ? reason : reason.substring(0, REASON_WIDTH - 1) + "…";
  }

  private static void print(ObjectNode root, PrintWriter out) {
    try {
      out.println(JSON.writeValueAsString(root));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a report tree could not be printed", e);
    }
    out.flush();
  }
}
