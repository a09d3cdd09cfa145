package dev.llmtail.core.buffer;

import static dev.llmtail.core.TestSpans.child;
import static dev.llmtail.core.TestSpans.endedRoot;
import static dev.llmtail.core.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@code buffer.completion_rules}: a trace whose root span matches a rule waits the rule's quiet
 * period and hard cap; the first matching rule wins; before its root arrived, the defaults apply.
 */
class TraceBufferCompletionRuleTest {

  private static final Duration QUIET = Duration.ofSeconds(10);
  private static final Duration MAX_WAIT = Duration.ofMinutes(5);
  private static final TraceId AGENT = traceId(1);
  private static final TraceId CHAT = traceId(2);
  private static final TraceId QUICK = traceId(3);
  private static final TraceId HEADLESS_AGENT = traceId(4);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Map<TraceId, DecisionTrigger> decided = new ConcurrentHashMap<>();

  private static CompletionRule rule(
      List<TraceId> ids, String when, Duration quiet, Duration maxWait) {
    return new CompletionRule(
        when,
        root -> ids.contains(TraceId.fromBytesOrNull(root.proto().getTraceId())),
        quiet,
        maxWait);
  }

  private final TraceBuffer buffer =
      TraceBuffer.builder()
          .settings(
              new BufferSettings(
                  QUIET,
                  MAX_WAIT,
                  1000,
                  1 << 20,
                  1000,
                  Duration.ofMinutes(10),
                  10_000,
                  1 << 20,
                  List.of(
                      rule(
                          List.of(AGENT, HEADLESS_AGENT),
                          "agent",
                          Duration.ofSeconds(60),
                          Duration.ofMinutes(10)),
                      rule(
                          List.of(AGENT),
                          "agent again",
                          Duration.ofSeconds(1),
                          Duration.ofSeconds(1)),
                      rule(List.of(QUICK), "quick", Duration.ofSeconds(1), Duration.ofSeconds(2)))))
          .engine(
              () ->
                  new DecisionEngine(
                      List.of(new NamedPolicy("none", "test", t -> Verdict.noOpinion("never"))),
                      Clock.systemUTC(),
                      new SimpleMeterRegistry()))
          .listener(
              DecisionListener.ofDecided(
                  (decision, trace) -> decided.put(decision.traceId(), decision.trigger())))
          .ticker(now::get)
          .build();

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
    buffer.decideDue();
  }

  @Test
  void aTraceWhoseRootMatchesARuleWaitsTheRulesQuietPeriodAndTheFirstMatchWins() {
    buffer.admit(endedRoot(AGENT));
    buffer.admit(endedRoot(CHAT));
    advance(QUIET);
    assertThat(decided).containsOnlyKeys(CHAT);

    BufferedTraceInfo info = buffer.describe(AGENT).orElseThrow();
    assertThat(info.completionRule()).map(CompletionRule::when).hasValue("agent");
    assertThat(info.quietPeriod()).isEqualTo(Duration.ofSeconds(60));
    assertThat(info.maxTraceWait()).isEqualTo(Duration.ofMinutes(10));
    assertThat(info.dueIn()).isEqualTo(Duration.ofSeconds(50));

    advance(Duration.ofSeconds(49));
    assertThat(decided).doesNotContainKey(AGENT);
    advance(Duration.ofSeconds(1));
    assertThat(decided).containsEntry(AGENT, DecisionTrigger.COMPLETE);
  }

  @Test
  void beforeItsRootArrivesATraceWaitsTheDefaults() {
    buffer.admit(child(AGENT, 2));
    assertThat(buffer.describe(AGENT).orElseThrow().completionRule()).isEmpty();
    advance(Duration.ofMinutes(1));
    buffer.admit(endedRoot(AGENT));
    advance(QUIET);
    assertThat(decided).as("the rule's 60 s apply once the root arrived").isEmpty();
    advance(Duration.ofSeconds(50));
    assertThat(decided).containsEntry(AGENT, DecisionTrigger.COMPLETE);

    // A root that never arrives: the buffer's hard cap, not the rule's 10 minutes.
    buffer.admit(child(HEADLESS_AGENT, 3));
    advance(MAX_WAIT);
    assertThat(decided).containsEntry(HEADLESS_AGENT, DecisionTrigger.MAX_WAIT);
  }

  @Test
  void aRuleWithAShorterWaitMovesTheDeadlineEarlier() {
    buffer.admit(child(QUICK, 2));
    buffer.admit(endedRoot(QUICK));
    advance(Duration.ofSeconds(1));
    assertThat(decided).containsEntry(QUICK, DecisionTrigger.COMPLETE);
  }
}
