package dev.llmtail.core;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The outcome for one trace, as a value: kept or dropped, why (every policy's verdict with its
 * evidence), when and on what trigger, and the adjusted count (how many traces like it each kept
 * copy stands for).
 *
 * @param configVersion the version of the policy set that decided, counted from 1 as the config
 *     file is (re)loaded; 0 when the engine was built without one (tests, replay)
 */
public record Decision(
    TraceId traceId,
    boolean kept,
    String reason,
    double adjustedCount,
    DecisionTrigger trigger,
    Instant decidedAt,
    List<PolicyVerdict> verdicts,
    int configVersion) {

  public Decision {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(trigger, "trigger");
    Objects.requireNonNull(decidedAt, "decidedAt");
    verdicts = List.copyOf(verdicts);
  }

  /** A decision by an unversioned policy set ({@link #configVersion} 0). */
  public Decision(
      TraceId traceId,
      boolean kept,
      String reason,
      double adjustedCount,
      DecisionTrigger trigger,
      Instant decidedAt,
      List<PolicyVerdict> verdicts) {
    this(traceId, kept, reason, adjustedCount, trigger, decidedAt, verdicts, 0);
  }

  /** Names of the policies that voted {@link Vote#KEEP}, in evaluation order. */
  public List<String> keptBy() {
    return verdicts.stream()
        .filter(v -> v.verdict().vote() == Vote.KEEP)
        .map(PolicyVerdict::policy)
        .toList();
  }
}
