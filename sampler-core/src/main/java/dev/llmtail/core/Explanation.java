package dev.llmtail.core;

import java.util.List;
import java.util.Objects;

/** The words of a {@link Verdict}: a sentence a person can read and the evidence behind it. */
public record Explanation(String reason, List<Evidence> evidence) {

  public Explanation {
    Objects.requireNonNull(reason, "reason");
    evidence = List.copyOf(evidence);
  }

  public static Explanation of(String reason, Evidence... evidence) {
    return new Explanation(reason, List.of(evidence));
  }
}
