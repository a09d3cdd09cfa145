package dev.llmtail.core.buffer;

import dev.llmtail.core.Decision;

/**
 * The part of a decision that late spans need: whether the trace was kept, why, and its adjusted
 * count. Kept small on purpose: many of these are remembered at once.
 */
public record RememberedDecision(boolean kept, String reason, double adjustedCount) {

  static RememberedDecision of(Decision d) {
    return new RememberedDecision(d.kept(), d.reason(), d.adjustedCount());
  }
}
