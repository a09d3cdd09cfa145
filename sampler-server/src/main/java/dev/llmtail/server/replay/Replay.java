package dev.llmtail.server.replay;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.GenAiReader;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a policy set over recorded traces, as the sidecar would have decided them once complete.
 *
 * <p>Each trace is normalised by the same {@link GenAiReader} and decided by the same {@link
 * DecisionEngine} as in {@code llmtail run}, with trigger {@link DecisionTrigger#COMPLETE}: a
 * recording holds whole traces. Stateful policies (rate and bytes limits) see the traces in
 * recording order, at replay speed, so their verdicts can differ from a live run.
 */
public final class Replay {

  private final DecisionEngine engine;
  private final GenAiReader genAi;

  public Replay(DecisionEngine engine, GenAiReader genAi) {
    this.engine = engine;
    this.genAi = genAi;
  }

  /**
   * One decided trace and what it held.
   *
   * @param label what a labelled recording says the trace is, {@link RecordingLabel#NONE} if
   *     unlabelled
   */
  public record Outcome(Decision decision, int spanCount, int llmCalls, RecordingLabel label) {}

  /** Decides every recorded trace, in recording order. */
  public List<Outcome> decideAll(RecordedTraces recorded) {
    List<Outcome> outcomes = new ArrayList<>();
    for (TraceId id : recorded.traceIds()) {
      outcomes.add(decide(recorded.view(id, genAi).orElseThrow()));
    }
    return outcomes;
  }

  /** Decides one trace. */
  public Outcome decide(TraceView trace) {
    Decision d = engine.decide(trace, DecisionTrigger.COMPLETE);
    return new Outcome(d, trace.spanCount(), trace.llmCalls().size(), RecordingLabel.of(trace));
  }
}
