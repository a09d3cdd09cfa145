package dev.llmtail.core.buffer;

import dev.llmtail.core.Decision;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import java.util.function.BiConsumer;

/**
 * Receives what the buffer decided: whole traces when they are decided, and spans that arrived
 * after their trace was decided. Called on the deciding thread; must not block for long.
 */
public interface DecisionListener {

  /** A trace was decided; {@code trace} holds every span buffered for it. */
  void onDecided(Decision decision, TraceView trace);

  /** Spans of an already decided trace arrived; they follow {@code decision}. */
  void onLateSpans(RememberedDecision decision, TraceFragment fragment);

  /** Log records of an already decided trace arrived; they follow {@code decision}. */
  void onLateLogs(RememberedDecision decision, LogFragment fragment);

  /**
   * A listener that hands each decided trace to {@code decided} and ignores what arrives after its
   * trace was decided: for a consumer of decisions only (tests, benchmarks, embedding).
   */
  static DecisionListener ofDecided(BiConsumer<Decision, TraceView> decided) {
    return new DecisionListener() {
      @Override
      public void onDecided(Decision decision, TraceView trace) {
        decided.accept(decision, trace);
      }

      @Override
      public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {}

      @Override
      public void onLateLogs(RememberedDecision decision, LogFragment fragment) {}
    };
  }
}
