package dev.llmtail.policies;

import dev.llmtail.core.CountedVerdicts;
import dev.llmtail.core.Evaluation;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.Explanation;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The {@code semantic-flag} policy type: keeps a trace that an evaluator, guardrail or user flagged
 * — an evaluation, guardrail or feedback result with a flagging label or a score at or below {@code
 * max_score} — or whose answer to the user matches a configured risky pattern (a judge's or
 * classifier's output, called inside an evaluator or guardrail span, is not matched). This is the
 * call that returned 200, fast, valid JSON, and still told a customer something destructive.
 */
final class SemanticFlagPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("semantic-flag", Options.class, SemanticFlagPolicy::new);

  static final List<String> DEFAULT_LABELS =
      List.of(
          "fail",
          "failed",
          "failure",
          "unsafe",
          "toxic",
          "harmful",
          "hallucination",
          "hallucinated",
          "incorrect",
          "irrelevant",
          "thumbs_down",
          "bad",
          "block",
          "blocked",
          "flagged",
          "violation",
          "jailbreak");

  private static final String EXAMPLE_PATTERN = "(?i)\\\\bdrop table\\\\b";

  // Nothing that ordinary support text says ("to cancel your subscription, open Settings"): the
  // recorded healthy support answers must pass. Destructive commands only.
  static final List<String> DEFAULT_PATTERNS =
      List.of("(?i)\\brm\\s+-rf\\b", "(?i)\\bdrop\\s+(table|database)\\b");

  /**
   * @param labels evaluation, guardrail or feedback labels that flag (case-insensitive, {@code -}
   *     and spaces read as {@code _}: {@code thumbs-down} is {@code thumbs_down}). No default label
   *     is about the user's message: a sentiment evaluator's {@code negative} does not flag.
   * @param maxScore if set, an evaluation or feedback score at or below it flags (quality scores:
   *     low is bad)
   * @param minRiskScore a guardrail risk score at or above it flags (risk scores: high is bad);
   *     default 0.8
   * @param patterns regular expressions; a match in the output of an LLM call that answered the
   *     user flags (not in the output of a judge or classifier an evaluator or guardrail called)
   */
  record Options(List<String> labels, Double maxScore, Double minRiskScore, List<String> patterns) {
    Options {
      labels =
          labels == null
              ? DEFAULT_LABELS
              : labels.stream().map(SemanticFlagPolicy::normaliseLabel).toList();
      minRiskScore = minRiskScore == null ? 0.8 : minRiskScore;
      patterns = patterns == null ? DEFAULT_PATTERNS : List.copyOf(patterns);
      Patterns.compileAll("patterns", patterns, EXAMPLE_PATTERN);
    }
  }

  private final Set<String> labels;
  private final Double maxScore;
  private final double minRiskScore;
  private final List<Pattern> patterns;

  /** Per pattern, the literal its matches contain, or null; checked before the pattern runs. */
  private final List<@Nullable RequiredLiteral> literals;

  /** The common answer, no evaluation and no flagged output, by the number of outputs. */
  private final CountedVerdicts noFlagNorEvaluation;

  SemanticFlagPolicy(Options options) {
    this.labels = Set.copyOf(options.labels());
    this.maxScore = options.maxScore();
    this.minRiskScore = options.minRiskScore();
    this.patterns = Patterns.compileAll("patterns", options.patterns(), EXAMPLE_PATTERN);
    this.literals = new ArrayList<>();
    for (String expression : options.patterns()) {
      literals.add(RequiredLiteral.of(expression));
    }
    this.noFlagNorEvaluation = CountedVerdicts.noOpinion(outputs -> noFlag(0, outputs));
  }

  /** {@code Thumbs-Down} and {@code thumbs down} are {@code thumbs_down}. */
  static String normaliseLabel(String label) {
    return label.trim().toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    for (int ei = 0; ei < trace.evaluations().size(); ei++) {
      Evaluation e = trace.evaluations().get(ei);
      String label = normaliseLabel(e.label());
      String what = e.source() + " " + (e.name().isEmpty() ? "result" : e.name());
      if (labels.contains(label)) {
        return Verdict.keep(
            "semantic-flag: "
                + what
                + " labelled "
                + e.label()
                + (e.explanation().isEmpty() ? "" : ": " + e.explanation()),
            new Evidence(e.spanId(), what + " label", e.label(), "one of the flagging labels"));
      }
      boolean risk = e.source().equals("guardrail");
      if (risk && e.score() != null && e.score() >= minRiskScore) {
        return Verdict.keep(
            "semantic-flag: " + what + " risk score " + e.score(),
            new Evidence(
                e.spanId(), what + " risk score", e.score().toString(), ">= " + minRiskScore));
      }
      if (!risk && maxScore != null && e.score() != null && e.score() <= maxScore) {
        return Verdict.keep(
            "semantic-flag: " + what + " scored " + e.score(),
            new Evidence(e.spanId(), what + " score", e.score().toString(), "<= " + maxScore));
      }
    }
    for (int ci = 0; ci < trace.llmCalls().size(); ci++) {
      LlmCall call = trace.llmCalls().get(ci);
      if (call.judge()) {
        continue; // a classifier naming the commands it checked for flags nothing
      }
      String output = call.outputText();
      for (int i = 0; i < patterns.size(); i++) {
        RequiredLiteral literal = literals.get(i);
        if (literal != null && !literal.in(output)) {
          continue; // kilobytes of output without the literal: the pattern cannot match
        }
        Pattern p = patterns.get(i);
        Matcher m = p.matcher(output);
        if (m.find()) {
          return Verdict.keep(
              "semantic-flag: " + LlmEvidence.label(call) + " output matched \"" + m.group() + "\"",
              LlmEvidence.of(call, "output text", m.group(), "pattern " + p.pattern()));
        }
      }
    }
    int evaluations = trace.evaluations().size();
    int outputs = trace.llmCalls().size();
    return evaluations == 0
        ? noFlagNorEvaluation.of(outputs)
        : Verdict.noOpinion(() -> noFlag(evaluations, outputs));
  }

  private Explanation noFlag(int evaluations, int outputs) {
    return Explanation.of(
        "no flag in " + evaluations + " evaluations and " + outputs + " LLM outputs",
        Evidence.ofTrace(
            "evaluations",
            Integer.toString(evaluations),
            labels.stream()
                .sorted()
                .limit(4)
                .collect(Collectors.joining(", ", "labels like ", "…"))));
  }
}
