package dev.llmtail.core.buffer;

import dev.llmtail.core.Decision;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import java.util.List;
import java.util.function.Consumer;

/**
 * Passes every decision and late fragment to several listeners in order, e.g. the exporter, the
 * decision log and the metrics. One listener failing does not keep the others from seeing the
 * decision: every listener is called, then the first failure is rethrown for the buffer to count.
 */
public final class FanOutListener implements DecisionListener {

  private final List<DecisionListener> listeners;

  public FanOutListener(List<DecisionListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  @Override
  public void onDecided(Decision decision, TraceView trace) {
    each(l -> l.onDecided(decision, trace));
  }

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
    each(l -> l.onLateSpans(decision, fragment));
  }

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {
    each(l -> l.onLateLogs(decision, fragment));
  }

  private void each(Consumer<DecisionListener> call) {
    RuntimeException first = null;
    for (DecisionListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
