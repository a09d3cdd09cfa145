package dev.llmtail.server.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.core.Vote;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one JSON form of a {@link Decision}, written by {@code /debug/traces/{id}}, {@code
 * /debug/conversations/{id}}, {@code /debug/decisions} and {@code replay}/{@code explain --format
 * json}: {@code trace_id}, {@code outcome} ({@code kept}/{@code dropped}), {@code reason}, {@code
 * decided_at}, {@code trigger}, {@code adjusted_count}, {@code config_version} (when versioned),
 * {@code kept_by}, and {@code policies} with each one's {@code vote} ({@code keep}, {@code drop},
 * {@code no_opinion}), reason and evidence. Names and enum values are snake_case, as in the rest of
 * llmtail's JSON and its metric tags.
 *
 * <p>Evidence that may carry prompt or output text is hidden unless the writer was made {@link
 * #showingContent showing content}.
 */
public final class DecisionJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Evidence attributes that may carry prompt or output text. */
  private static final Pattern CONTENT_ATTRIBUTE =
      Pattern.compile(
          "(?i).*(prompt|completion|message|content|input\\.value|output\\.value|input text|output text|\\.input|\\.output).*");

  private static final DecisionJson SHOWING = new DecisionJson(true);
  private static final DecisionJson HIDING = new DecisionJson(false);

  private final boolean showContent;

  private DecisionJson(boolean showContent) {
    this.showContent = showContent;
  }

  /** A writer that shows message content in evidence only if {@code showContent}. */
  public static DecisionJson showingContent(boolean showContent) {
    return showContent ? SHOWING : HIDING;
  }

  /** The decision as a JSON object; callers may add facts of their own (span counts, …). */
  public ObjectNode write(Decision d) {
    ObjectNode n = JSON.createObjectNode();
    n.put("trace_id", d.traceId().toHex());
    n.put("outcome", outcome(d.kept()));
    n.put("reason", d.reason());
    n.put("decided_at", d.decidedAt().toString());
    n.put("trigger", trigger(d.trigger()));
    n.put("adjusted_count", d.adjustedCount());
    if (d.configVersion() > 0) {
      n.put("config_version", d.configVersion());
    }
    ArrayNode keptBy = n.putArray("kept_by");
    d.keptBy().forEach(keptBy::add);
    ArrayNode policies = n.putArray("policies");
    for (PolicyVerdict v : d.verdicts()) {
      ObjectNode p = policies.addObject();
      p.put("name", v.policy());
      p.put("type", v.type());
      p.put("vote", vote(v.verdict().vote()));
      p.put("reason", v.verdict().reason());
      if (v.verdict().vote() == Vote.KEEP) {
        p.put("keep_probability", v.verdict().keepProbability());
      }
      ArrayNode evidence = p.putArray("evidence");
      for (Evidence e : v.verdict().evidence()) {
        evidence
            .addObject()
            .put("span_id", e.spanId())
            .put("attribute", e.attribute())
            .put("observed", observed(e))
            .put("threshold", e.threshold());
      }
    }
    return n;
  }

  /** {@code keep}, {@code drop} or {@code no_opinion}: the one spelling of a vote. */
  public static String vote(Vote vote) {
    return vote.name().toLowerCase(Locale.ROOT);
  }

  /** {@code kept} or {@code dropped}. */
  public static String outcome(boolean kept) {
    return kept ? "kept" : "dropped";
  }

  /** {@code complete}, {@code max_wait}, {@code max_trace_spans}, …: the config key's spelling. */
  public static String trigger(DecisionTrigger trigger) {
    return trigger.name().toLowerCase(Locale.ROOT);
  }

  private String observed(Evidence e) {
    if (showContent || !CONTENT_ATTRIBUTE.matcher(e.attribute()).matches()) {
      return e.observed();
    }
    return "(message content hidden; set admin.show_message_content: true to show it)";
  }
}
