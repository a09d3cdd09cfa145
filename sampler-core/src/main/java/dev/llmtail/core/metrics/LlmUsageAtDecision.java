package dev.llmtail.core.metrics;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.GenAiReader;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import java.util.List;
import java.util.Objects;

/**
 * Feeds {@link LlmUsageMetrics} once per trace: the calls read from the whole trace when it is
 * decided, kept or dropped, and the calls of spans that arrive after the decision.
 *
 * <p>Why at decision and not per ingested batch: a call is only one call when the whole trace is
 * read. An AI SDK wrapper whose inner call came in an earlier batch looks like a call of its own,
 * as does a framework span whose client span came apart; and finish reasons sent as log records
 * join their call only in the trace. Every trace is decided (a full buffer decides early, never
 * drops undecided), so the counts still cover 100 % of traffic. Late spans are counted on their
 * own; late log records are not counted (their call was counted when its trace was decided), nor is
 * a promotion ({@link DecisionTrigger#PROMOTED}): its calls were counted when it was dropped.
 */
public final class LlmUsageAtDecision implements DecisionListener {

  private final LlmUsageMetrics usage;
  private final GenAiReader genAi;

  /** Counts into {@code usage}, reading late spans with {@code genAi}. */
  public LlmUsageAtDecision(LlmUsageMetrics usage, GenAiReader genAi) {
    this.usage = Objects.requireNonNull(usage, "usage");
    this.genAi = Objects.requireNonNull(genAi, "genAi");
  }

  @Override
  public void onDecided(Decision decision, TraceView trace) {
    // A promotion keeps a trace that was decided (and counted) before, whose late spans were
    // counted as they came: counting its calls again would count them twice.
    if (decision.trigger() != DecisionTrigger.PROMOTED) {
      usage.count(trace.llmCalls());
    }
  }

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
    usage.count(genAi.read(TraceView.of(fragment.traceId(), List.of(fragment.spans()))).calls());
  }

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {}
}
