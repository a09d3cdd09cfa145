package dev.llmtail.policies;

import dev.llmtail.core.Evaluation;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * The {@code semantic-flag} policy type: keeps a trace that an evaluator, guardrail or user flagged
 * — an evaluation, guardrail or feedback result with a flagging label or a score at or below {@code
 * max_score} — or whose LLM output matches a configured risky pattern. This is the call that
 * returned 200, fast, valid JSON, and still told a customer something destructive.
 */
public final class SemanticFlagPolicy implements PolicyProvider<SemanticFlagPolicy.Options> {

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
          "negative",
          "thumbs_down",
          "bad",
          "blocked",
          "flagged",
          "violation",
          "jailbreak");

  static final List<String> DEFAULT_PATTERNS =
      List.of(
          "(?i)\\b(cancel|close|delete|terminate)\\s+(your|the)\\s+(account|service|subscription|plan)\\b",
          "(?i)\\brm\\s+-rf\\b",
          "(?i)\\bdrop\\s+(table|database)\\b");

  /**
   * @param labels evaluation, guardrail or feedback labels that flag (case-insensitive)
   * @param maxScore if set, an evaluation score at or below it flags (for scores where low is bad)
   * @param patterns regular expressions; a match in any LLM output flags
   */
  public record Options(List<String> labels, Double maxScore, List<String> patterns) {
    public Options {
      labels =
          labels == null
              ? DEFAULT_LABELS
              : labels.stream().map(l -> l.toLowerCase(Locale.ROOT)).toList();
      patterns = patterns == null ? DEFAULT_PATTERNS : List.copyOf(patterns);
      for (String p : patterns) {
        try {
          Pattern.compile(p);
        } catch (PatternSyntaxException e) {
          throw new IllegalArgumentException(
              "patterns: '"
                  + p
                  + "' is not a regular expression: "
                  + e.getDescription()
                  + " at index "
                  + e.getIndex()
                  + " (expected: a Java regex, e.g. (?i)\\\\bdrop table\\\\b)");
        }
      }
    }
  }

  @Override
  public String type() {
    return "semantic-flag";
  }

  @Override
  public Class<Options> optionsType() {
    return Options.class;
  }

  @Override
  public Policy create(Options options) {
    Set<String> labels = Set.copyOf(options.labels());
    List<Pattern> patterns = options.patterns().stream().map(Pattern::compile).toList();
    return trace -> evaluate(trace, labels, options.maxScore(), patterns);
  }

  private static Verdict evaluate(
      TraceView trace, Set<String> labels, Double maxScore, List<Pattern> patterns) {
    for (Evaluation e : trace.evaluations()) {
      String label = e.label().toLowerCase(Locale.ROOT);
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
      if (maxScore != null && e.score() != null && e.score() <= maxScore) {
        return Verdict.keep(
            "semantic-flag: " + what + " scored " + e.score(),
            new Evidence(e.spanId(), what + " score", e.score().toString(), "<= " + maxScore));
      }
    }
    for (LlmCall call : trace.llmCalls()) {
      for (Pattern p : patterns) {
        Matcher m = p.matcher(call.outputText());
        if (m.find()) {
          return Verdict.keep(
              "semantic-flag: " + LlmEvidence.label(call) + " output matched \"" + m.group() + "\"",
              LlmEvidence.of(call, "output text", m.group(), "pattern " + p.pattern()));
        }
      }
    }
    return Verdict.noOpinion(
        "no flag in "
            + trace.evaluations().size()
            + " evaluations and "
            + trace.llmCalls().size()
            + " LLM outputs",
        Evidence.ofTrace(
            "evaluations",
            Integer.toString(trace.evaluations().size()),
            labels.stream()
                .sorted()
                .limit(4)
                .collect(Collectors.joining(", ", "labels like ", "…"))));
  }
}
