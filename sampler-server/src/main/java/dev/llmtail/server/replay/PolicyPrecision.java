package dev.llmtail.server.replay;

import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.core.Vote;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per policy, how many replayed traces it voted keep and, over labelled recordings, how many of the
 * failures it names it kept (and missed) and how many healthy traces it kept (false positives),
 * with content capture on and in privacy mode. What {@code replay --by-policy} prints.
 *
 * <p>A failure counts for the policy whose type its label names; a healthy trace kept by any LLM
 * policy is a false positive of that policy and of the LLM set. Immutable once built.
 */
public final class PolicyPrecision {

  /** The LLM-aware policy types: the ones a healthy recording must not trigger. */
  public static final Set<String> LLM_TYPES =
      Set.of(
          "semantic-flag",
          "refusal",
          "retry-storm",
          "truncated-stream",
          "high-cost",
          "model-substitution",
          "cache-miss",
          "duplicate-request",
          "billing-gap",
          "token-drift");

  /** Counts of one policy; {@code content} is capture defaults/on, {@code privacy} is off. */
  public record Row(
      String policy,
      String type,
      int kept,
      Counts content,
      Counts privacy,
      List<String> missed,
      List<String> falsePositives) {}

  /** Kept-of-failures and kept-of-healthy in one capture class. */
  public record Counts(int failures, int keptFailures, int healthy, int keptHealthy) {
    Counts plus(boolean failure, boolean healthyTrace, boolean kept) {
      return new Counts(
          failures + (failure ? 1 : 0),
          keptFailures + (failure && kept ? 1 : 0),
          healthy + (healthyTrace ? 1 : 0),
          keptHealthy + (healthyTrace && kept ? 1 : 0));
    }
  }

  private static final Counts ZERO = new Counts(0, 0, 0, 0);

  private final List<Row> rows;
  private final Counts llmSetContent;
  private final Counts llmSetPrivacy;
  private final int labelled;

  private PolicyPrecision(
      List<Row> rows, Counts llmSetContent, Counts llmSetPrivacy, int labelled) {
    this.rows = List.copyOf(rows);
    this.llmSetContent = llmSetContent;
    this.llmSetPrivacy = llmSetPrivacy;
    this.labelled = labelled;
  }

  /** Counts every policy's votes over the outcomes, in configuration order. */
  public static PolicyPrecision of(List<Replay.Outcome> outcomes) {
    Map<String, Row> rows = new LinkedHashMap<>();
    Counts setContent = ZERO;
    Counts setPrivacy = ZERO;
    int labelled = 0;
    for (Replay.Outcome o : outcomes) {
      RecordingLabel label = o.label();
      boolean healthy = label.expected().equals(RecordingLabel.HEALTHY);
      boolean anyLlmKeep = false;
      boolean rightPolicyKept = false;
      for (PolicyVerdict v : o.decision().verdicts()) {
        boolean kept = v.verdict().vote() == Vote.KEEP;
        boolean failure = label.labelled() && label.expected().equals(v.type());
        boolean llm = LLM_TYPES.contains(v.type());
        anyLlmKeep |= llm && kept;
        rightPolicyKept |= failure && kept;
        Row r =
            rows.getOrDefault(
                v.policy(), new Row(v.policy(), v.type(), 0, ZERO, ZERO, List.of(), List.of()));
        Counts content = r.content();
        Counts privacy = r.privacy();
        if (label.privacyMode()) {
          privacy = privacy.plus(failure, healthy && llm, kept);
        } else if (label.labelled()) {
          content = content.plus(failure, healthy && llm, kept);
        }
        List<String> missed = r.missed();
        List<String> falsePositives = r.falsePositives();
        if (failure && !kept) {
          missed = append(missed, label.name());
        }
        if (healthy && llm && kept) {
          falsePositives = append(falsePositives, label.name());
        }
        rows.put(
            v.policy(),
            new Row(
                v.policy(),
                v.type(),
                r.kept() + (kept ? 1 : 0),
                content,
                privacy,
                missed,
                falsePositives));
      }
      if (label.labelled()) {
        labelled++;
        // the LLM set answers for the failures an LLM policy names, not for errors
        boolean failure = LLM_TYPES.contains(label.expected());
        if (label.privacyMode()) {
          setPrivacy = setPrivacy.plus(failure, healthy, healthy ? anyLlmKeep : rightPolicyKept);
        } else if (failure || healthy) {
          setContent = setContent.plus(failure, healthy, healthy ? anyLlmKeep : rightPolicyKept);
        }
      }
    }
    return new PolicyPrecision(new ArrayList<>(rows.values()), setContent, setPrivacy, labelled);
  }

  private static List<String> append(List<String> list, String item) {
    List<String> copy = new ArrayList<>(list);
    copy.add(item);
    return copy;
  }

  /** One row per configured policy. */
  public List<Row> rows() {
    return rows;
  }

  /** The LLM set as a whole: failures kept by the policy they name, healthy kept by any. */
  public Counts llmSet(boolean privacyMode) {
    return privacyMode ? llmSetPrivacy : llmSetContent;
  }

  /** Prints the table; for labelled recordings also what each policy missed or kept wrongly. */
  public void print(PrintWriter out) {
    out.printf(
        "%-20s  %-18s  %6s  %-24s  %-24s%n",
        "POLICY", "TYPE", "KEPT", "CONTENT fail/healthy", "PRIVACY fail/healthy");
    for (Row r : rows) {
      out.printf(
          "%-20s  %-18s  %6d  %-24s  %-24s%n",
          r.policy(), r.type(), r.kept(), cell(r.content()), cell(r.privacy()));
    }
    if (labelled > 0) {
      out.printf(
          "%-20s  %-18s  %6s  %-24s  %-24s%n",
          "(LLM set)", "", "", cell(llmSetContent), cell(llmSetPrivacy));
      out.printf(
          "%n%d labelled traces. fail k/n: failures named by the policy's type that it kept;"
              + " healthy k/n: healthy traces it kept (false positives).%n",
          labelled);
      for (Row r : rows) {
        if (!r.missed().isEmpty()) {
          out.printf("  %s missed: %s%n", r.policy(), String.join(", ", r.missed()));
        }
        if (!r.falsePositives().isEmpty()) {
          out.printf("  %s kept healthy: %s%n", r.policy(), String.join(", ", r.falsePositives()));
        }
      }
    }
    out.flush();
  }

  private static String cell(Counts c) {
    if (c.failures() == 0 && c.healthy() == 0) {
      return "-";
    }
    return String.format(
        "%s  %s",
        c.failures() == 0 ? "-" : c.keptFailures() + "/" + c.failures(),
        c.healthy() == 0
            ? "-"
            : c.keptHealthy() + "/" + c.healthy() + percent(c.keptHealthy(), c.healthy()));
  }

  private static String percent(int k, int n) {
    return String.format(" (%.1f%%)", 100.0 * k / n);
  }
}
