package dev.llmtail.core.buffer;

import dev.llmtail.core.Decision;
import dev.llmtail.core.TraceView;

/**
 * A last word on each decision the engine makes for a buffered trace, before it is remembered and
 * told to the {@link DecisionListener}: e.g. keeping a later turn of a conversation whose earlier
 * turn was kept on evidence. Called on the deciding thread, once per trace; must not block and must
 * not throw (the span path never throws).
 */
@FunctionalInterface
public interface DecisionRevision {

  /** Leaves every decision as the engine made it. */
  DecisionRevision NONE = (decision, trace) -> decision;

  /** The decision to act on: {@code decision} itself, or one that replaces it for this trace. */
  Decision revise(Decision decision, TraceView trace);
}
