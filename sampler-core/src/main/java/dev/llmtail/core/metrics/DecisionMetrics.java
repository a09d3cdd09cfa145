package dev.llmtail.core.metrics;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Vote;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sampling metrics that need the whole decision: traces and spans kept and dropped, which policy
 * voted how ({@code llmtail.policy.votes{policy,vote}}), and the decision latency — from the end of
 * the trace's last span (by the spans' own clocks) to its decision ({@code
 * llmtail.decision.latency}). A dropped trace kept afterwards is not decided twice: it counts only
 * in {@code llmtail.promotions{policy}} — the policy that kept it on late evidence, or {@code
 * request} when an operator asked.
 */
public final class DecisionMetrics implements DecisionListener {

  /** The {@code policy} tag of a promotion nobody's policy voted for: an operator asked. */
  public static final String REQUEST = "request";

  private final MeterRegistry meters;
  private final Timer latency;
  private final Map<String, Map<Vote, Counter>> votes = new ConcurrentHashMap<>();
  private final Counter keptTraces;
  private final Counter droppedTraces;
  private final Counter keptSpans;
  private final Counter droppedSpans;

  public DecisionMetrics(MeterRegistry meters) {
    this.meters = meters;
    this.latency =
        Timer.builder("llmtail.decision.latency")
            .description("From the end of a trace's last span to its decision")
            .register(meters);
    // At zero from the start, so that dashboards and alert ratios have a series to show.
    this.keptTraces = traces("kept");
    this.keptSpans = spans("kept");
    this.droppedTraces = traces("dropped");
    this.droppedSpans = spans("dropped");
  }

  /**
   * The counter of {@code policy}'s {@code vote}, registered on its first vote and then looked up:
   * building and registering it for each of the 13 verdicts of every decided trace showed in
   * profiles.
   */
  private Counter votes(String policy, Vote vote) {
    Map<Vote, Counter> byVote = votes.get(policy);
    if (byVote == null) {
      byVote = votes.computeIfAbsent(policy, p -> new ConcurrentHashMap<>());
    }
    Counter counter = byVote.get(vote);
    if (counter == null) {
      counter =
          byVote.computeIfAbsent(
              vote,
              v ->
                  Counter.builder("llmtail.policy.votes")
                      .description("Votes of each policy, over every decided trace")
                      .tag("policy", policy)
                      .tag("vote", v.name().toLowerCase(Locale.ROOT))
                      .register(meters));
    }
    return counter;
  }

  private Counter traces(String outcome) {
    return Counter.builder("llmtail.traces")
        .description("Decided traces by outcome")
        .tag("outcome", outcome)
        .register(meters);
  }

  private Counter spans(String outcome) {
    return Counter.builder("llmtail.spans")
        .description("Spans of decided traces by outcome")
        .tag("outcome", outcome)
        .register(meters);
  }

  @Override
  public void onDecided(Decision decision, TraceView trace) {
    if (decision.trigger() == DecisionTrigger.PROMOTED) {
      List<String> keptBy = decision.keptBy();
      Counter.builder("llmtail.promotions")
          .description("Dropped traces kept afterwards, on late evidence or on request")
          .tag("policy", keptBy.isEmpty() ? REQUEST : keptBy.get(0))
          .register(meters)
          .increment();
      return;
    }
    (decision.kept() ? keptTraces : droppedTraces).increment();
    (decision.kept() ? keptSpans : droppedSpans).increment(trace.spanCount());
    for (PolicyVerdict v : decision.verdicts()) {
      votes(v.policy(), v.verdict().vote()).increment();
    }
    if (trace.endEpochNanos() > 0) {
      long ended = trace.endEpochNanos();
      Instant at = decision.decidedAt();
      long decided = at.getEpochSecond() * 1_000_000_000L + at.getNano();
      latency.record(Duration.ofNanos(Math.max(0, decided - ended)));
    }
  }

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
    // Counted by the buffer as llmtail.late.spans{outcome}.
  }

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {
    // Log records are counted by the receivers and the exporter.
  }
}
