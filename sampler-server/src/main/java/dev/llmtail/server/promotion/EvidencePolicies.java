package dev.llmtail.server.promotion;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.TraceView;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The running policies that may change a drop into a keep when evidence arrives late: every policy
 * except those that sample or spend a budget ({@link #NOT_AGAIN}) — a baseline that said no once
 * must not get a second throw of the dice, and a budget must not be spent twice on one trace.
 *
 * <p>Follows config reloads: the filtered engine is rebuilt when the running engine changes.
 * Thread-safe.
 */
final class EvidencePolicies {

  /** Policy types that do not vote again: probabilistic baselines, sampling by key, budgets. */
  static final Set<String> NOT_AGAIN =
      Set.of(
          "probabilistic",
          "dynamic",
          "trace_state",
          "always_sample",
          "rate_limiting",
          "bytes_limiting",
          "composite");

  private record Filtered(DecisionEngine source, DecisionEngine evidence) {}

  private final Supplier<DecisionEngine> running;
  private final MeterRegistry meters;
  private final AtomicReference<Filtered> current = new AtomicReference<>();

  EvidencePolicies(Supplier<DecisionEngine> running, MeterRegistry meters) {
    this.running = running;
    this.meters = meters;
  }

  /**
   * The promoted decision if the evidence policies keep the trace — no drop vote, and every keep a
   * rule that keeps what it matches (adjusted count 1) — or empty.
   */
  Optional<Decision> decide(TraceView trace, Instant now) {
    Decision d = engine().decide(trace, DecisionTrigger.PROMOTED);
    if (!d.kept() || d.adjustedCount() != 1) {
      return Optional.empty();
    }
    return Optional.of(
        new Decision(
            trace.traceId(),
            true,
            d.reason() + " on late evidence",
            1,
            DecisionTrigger.PROMOTED,
            now,
            d.verdicts(),
            d.configVersion()));
  }

  private DecisionEngine engine() {
    DecisionEngine source = running.get();
    Filtered f = current.get();
    if (f == null || f.source() != source) {
      List<NamedPolicy> evidence =
          source.policies().stream().filter(p -> !NOT_AGAIN.contains(p.type())).toList();
      f =
          new Filtered(
              source,
              new DecisionEngine(evidence, Clock.systemUTC(), meters, source.configVersion()));
      current.set(f);
    }
    return f.evidence();
  }
}
