package dev.llmtail.core.buffer;

import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import java.util.Optional;

/**
 * Finds the decision of a trace that the buffer's decision cache ({@code decision_cache.ttl}) has
 * forgotten, for a fragment that arrives for it: the fragment then follows that decision, as if the
 * cache had remembered it, instead of opening a new trace.
 *
 * <p>Asked only for a fragment whose trace is neither buffered nor in the decision cache — the
 * first fragment of every new trace — so an implementation must answer cheaply for fragments it
 * does not care about. Called on the receiving thread, outside the buffer's per-trace locks; must
 * not throw.
 */
public interface DecisionRecall {

  /** Recalls nothing: every such fragment opens a new trace. */
  DecisionRecall NONE =
      new DecisionRecall() {
        @Override
        public Optional<RememberedDecision> spans(TraceFragment fragment) {
          return Optional.empty();
        }

        @Override
        public Optional<RememberedDecision> logs(LogFragment fragment) {
          return Optional.empty();
        }
      };

  /** The forgotten decision that {@code fragment}'s spans should follow, if there is one. */
  Optional<RememberedDecision> spans(TraceFragment fragment);

  /** The forgotten decision that {@code fragment}'s log records should follow, if there is one. */
  Optional<RememberedDecision> logs(LogFragment fragment);
}
