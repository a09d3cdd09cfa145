package dev.llmtail.core;

import java.util.List;
import java.util.Objects;

/**
 * One policy's answer for one trace: the vote, a sentence a person can read, the evidence behind
 * it, and the probability with which this policy keeps traces like this one ({@code 1.0} for a rule
 * that always keeps what it matches, {@code p} for a sampler keeping a fraction {@code p}).
 */
public record Verdict(Vote vote, String reason, List<Evidence> evidence, double keepProbability) {

  public Verdict {
    Objects.requireNonNull(vote, "vote");
    Objects.requireNonNull(reason, "reason");
    evidence = List.copyOf(evidence);
    if (!(keepProbability > 0 && keepProbability <= 1)) {
      throw new IllegalArgumentException(
          "keepProbability: " + keepProbability + " (expected: 0 < p <= 1)");
    }
  }

  public static Verdict keep(String reason, Evidence... evidence) {
    return new Verdict(Vote.KEEP, reason, List.of(evidence), 1.0);
  }

  /** A keep by a sampler that keeps a fraction {@code probability} of such traces. */
  public static Verdict keepSampled(double probability, String reason, Evidence... evidence) {
    return new Verdict(Vote.KEEP, reason, List.of(evidence), probability);
  }

  public static Verdict drop(String reason, Evidence... evidence) {
    return new Verdict(Vote.DROP, reason, List.of(evidence), 1.0);
  }

  public static Verdict noOpinion(String reason, Evidence... evidence) {
    return new Verdict(Vote.NO_OPINION, reason, List.of(evidence), 1.0);
  }
}
