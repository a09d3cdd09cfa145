package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Verdict;

/**
 * The verdicts of the Collector's attribute policies, with or without {@code invert_match}: a match
 * keeps (inverted: no opinion), no match has no opinion (inverted: keeps). Inverted policies never
 * drop, unlike the Collector's.
 */
final class InvertibleMatch {

  private static final String INVERTED = " (inverted match)";

  private InvertibleMatch() {}

  /** A span matched: {@code match} says how, {@code keepDetail} is added when it keeps. */
  static Verdict matched(boolean invertMatch, String match, String keepDetail, Evidence e) {
    return invertMatch
        ? Verdict.noOpinion(match + INVERTED, e)
        : Verdict.keep(match + keepDetail, e);
  }

  /** No span matched: {@code noMatch} says what was looked for. */
  static Verdict unmatched(boolean invertMatch, String noMatch, Evidence e) {
    return invertMatch ? Verdict.keep(noMatch + INVERTED, e) : Verdict.noOpinion(noMatch, e);
  }
}
