package dev.llmtail.core.log;

import dev.llmtail.core.Decision;
import dev.llmtail.core.TraceId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the decision log remembers of one decided trace: enough to explain the decision without the
 * spans — the trace's shape, its LLM summary, and the decision with every policy's verdict and
 * evidence.
 *
 * @param traceId the trace
 * @param conversationIds conversation or session ids found in its spans, in first-seen order
 * @param rootName name of the root span, {@code ""} if the root never arrived
 * @param rootService service of the root span (or of the first span without a root)
 * @param start earliest span start
 * @param duration earliest start to latest end
 * @param spanCount spans the decision saw
 * @param llm the trace's LLM calls summed up
 * @param decision the decision, with every verdict and its evidence
 * @param lateSpans spans that arrived after the decision and followed it
 * @param earlier the decisions this one replaced, oldest first: a dropped trace kept afterwards
 *     ({@link dev.llmtail.core.DecisionTrigger#PROMOTED}) keeps the drop here; empty otherwise
 */
public record DecisionRecord(
    TraceId traceId,
    List<String> conversationIds,
    String rootName,
    String rootService,
    Instant start,
    Duration duration,
    int spanCount,
    LlmSummary llm,
    Decision decision,
    int lateSpans,
    List<Decision> earlier) {

  public DecisionRecord {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(decision, "decision");
    conversationIds = List.copyOf(conversationIds);
    earlier = List.copyOf(earlier);
  }

  /** This record after {@code next} replaced its decision: this decision joins {@link #earlier}. */
  DecisionRecord replacedBy(DecisionRecord next) {
    List<Decision> chain = new ArrayList<>(earlier);
    chain.add(decision);
    return new DecisionRecord(
        next.traceId,
        next.conversationIds,
        next.rootName,
        next.rootService,
        next.start,
        next.duration,
        next.spanCount,
        next.llm,
        next.decision,
        next.lateSpans,
        chain);
  }

  DecisionRecord withLateSpans(int late) {
    return late == lateSpans
        ? this
        : new DecisionRecord(
            traceId,
            conversationIds,
            rootName,
            rootService,
            start,
            duration,
            spanCount,
            llm,
            decision,
            late,
            earlier);
  }
}
