package dev.llmtail.server.promotion;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.server.config.ConversationsConfig;
import dev.llmtail.server.promotion.KeepResult.Outcome;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A trace kept on evidence brings its conversation: earlier turns are promoted, later turns within
 * the follow window are kept, up to the cap; baselines, requests and explicit drops do not.
 */
class ConversationKeeperTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T04:00:00Z"));
  private final DecisionLog log = new DecisionLog(1000, Duration.ofHours(1), false, clock);
  private final GenAiNormalizer genAi = new GenAiNormalizer(meters);
  private final List<String> promoted = new ArrayList<>();

  private ConversationKeeper keeper(Boolean keepSiblings, String window, int maxTraces) {
    return new ConversationKeeper(
        new ConversationsConfig(keepSiblings, Duration.parse(window), maxTraces),
        log,
        (id, reason, verdicts) -> {
          promoted.add(
              id.toHex() + ": " + reason + " (" + verdicts.get(0).verdict().reason() + ")");
          return new KeepResult(id, Outcome.KEPT, reason, 3, 0);
        },
        meters,
        clock);
  }

  private TraceView turn(String conversation) {
    return LlmTraces.chat(Dialect.OPENINFERENCE, LlmCallSpec.healthy().conversation(conversation))
        .view()
        .withGenAi(genAi);
  }

  private static Decision decision(TraceId id, boolean kept, PolicyVerdict... verdicts) {
    return new Decision(
        id,
        kept,
        kept ? "kept by " + verdicts[0].policy() : "no policy matched",
        kept ? 1 : 0,
        DecisionTrigger.COMPLETE,
        Instant.parse("2026-11-29T04:00:00Z"),
        List.of(verdicts));
  }

  private static PolicyVerdict refused() {
    return new PolicyVerdict("refusals", "refusal", Verdict.keep("the model refused"));
  }

  private static PolicyVerdict baseline() {
    return new PolicyVerdict("baseline", "probabilistic", Verdict.keepSampled(0.05, "5 % sample"));
  }

  private static PolicyVerdict silent() {
    return new PolicyVerdict("errors", "status_code", Verdict.noOpinion("no error"));
  }

  /**
   * The engine's drop, revised, then told to the decision log and the keeper as the buffer does.
   */
  private Decision decide(ConversationKeeper keeper, TraceView trace, Decision engine) {
    Decision d = keeper.revise(engine, trace);
    log.onDecided(d, trace);
    keeper.onDecided(d, trace);
    return d;
  }

  /** A new turn no policy keeps, decided: the decision after the keeper's revision. */
  private Decision nextTurn(ConversationKeeper keeper, String conversation) {
    TraceView turn = turn(conversation);
    return decide(keeper, turn, decision(turn.traceId(), false, silent()));
  }

  /** A new turn the refusal policy keeps, decided. */
  private TraceView refusedTurn(ConversationKeeper keeper, String conversation) {
    TraceView turn = turn(conversation);
    decide(keeper, turn, decision(turn.traceId(), true, refused()));
    return turn;
  }

  private double kept(String turn) {
    return meters.counter("llmtail.conversations.kept", "turn", turn).count();
  }

  @Test
  void aTurnKeptOnEvidencePromotesTheEarlierTurnsAndKeepsLaterOnesWithinTheWindow() {
    ConversationKeeper keeper = keeper(true, "PT30M", 100);
    TraceView first = turn("c-1");
    TraceView second = turn("c-1");
    TraceView other = turn("c-2");
    decide(keeper, first, decision(first.traceId(), false, silent()));
    decide(keeper, second, decision(second.traceId(), false, silent()));
    decide(keeper, other, decision(other.traceId(), false, silent()));
    assertThat(promoted).isEmpty();

    TraceView third = refusedTurn(keeper, "c-1");
    assertThat(promoted)
        .containsExactlyInAnyOrder(
            first.traceId().toHex()
                + ": kept with conversation c-1 (a turn of conversation c-1, whose trace "
                + third.traceId().toHex()
                + " was kept by refusals)",
            second.traceId().toHex()
                + ": kept with conversation c-1 (a turn of conversation c-1, whose trace "
                + third.traceId().toHex()
                + " was kept by refusals)");
    assertThat(kept("earlier")).isEqualTo(2);

    clock.advance(Duration.ofMinutes(29));
    TraceView fourth = turn("c-1");
    Decision later = decide(keeper, fourth, decision(fourth.traceId(), false, silent()));
    assertThat(later.kept()).isTrue();
    assertThat(later.reason()).isEqualTo("kept with conversation c-1");
    assertThat(later.adjustedCount()).isEqualTo(1);
    assertThat(later.trigger()).as("decided, not promoted").isEqualTo(DecisionTrigger.COMPLETE);
    assertThat(later.keptBy()).containsExactly("conversation");
    assertThat(kept("later")).isEqualTo(1);
    assertThat(nextTurn(keeper, "c-2").kept()).as("another conversation").isFalse();

    clock.advance(Duration.ofMinutes(2));
    assertThat(nextTurn(keeper, "c-1").kept()).as("after the follow window").isFalse();
    assertThat(promoted).hasSize(2);
  }

  @Test
  void aTraceKeptOnlyByTheBaselineOrWithItsConversationDoesNotPullItIn() {
    ConversationKeeper keeper = keeper(true, "PT30M", 100);
    nextTurn(keeper, "c-3");
    TraceView sampled = turn("c-3");
    decide(keeper, sampled, decision(sampled.traceId(), true, baseline()));
    assertThat(nextTurn(keeper, "c-3").kept()).isFalse();
    assertThat(promoted).isEmpty();
    assertThat(ConversationKeeper.keptOnEvidence(decision(sampled.traceId(), true, refused())))
        .isTrue();
    PolicyVerdict withConversation =
        new PolicyVerdict("conversation", "conversation", Verdict.keep("a turn of c-3"));
    assertThat(
            ConversationKeeper.keptOnEvidence(decision(sampled.traceId(), true, withConversation)))
        .isFalse();
    assertThat(
            ConversationKeeper.keptOnEvidence(
                decision(sampled.traceId(), true, baseline(), refused())))
        .as("the baseline and a rule")
        .isTrue();
  }

  @Test
  void anExplicitDropVoteIsNeverOverruled() {
    ConversationKeeper keeper = keeper(true, "PT30M", 100);
    refusedTurn(keeper, "c-4");
    TraceView healthCheck = turn("c-4");
    PolicyVerdict drop = new PolicyVerdict("no-health", "string_attribute", Verdict.drop("health"));
    Decision d =
        new Decision(
            healthCheck.traceId(),
            false,
            "dropped by no-health",
            0,
            DecisionTrigger.COMPLETE,
            clock.instant(),
            List.of(drop));
    assertThat(decide(keeper, healthCheck, d).kept()).isFalse();
  }

  @Test
  void aConversationKeepsAtMostMaxTracesAndCountsTheRest() {
    ConversationKeeper keeper = keeper(true, "PT30M", 2);
    for (int i = 0; i < 3; i++) {
      nextTurn(keeper, "c-5");
    }
    refusedTurn(keeper, "c-5");
    assertThat(promoted).hasSize(2);
    assertThat(nextTurn(keeper, "c-5").kept()).isFalse();
    assertThat(meters.counter("llmtail.conversations.capped").count()).isEqualTo(2);
  }

  @Test
  void keepSiblingsFalseKeepsOnlyWhatThePoliciesKeep() {
    ConversationKeeper keeper = keeper(false, "PT30M", 100);
    nextTurn(keeper, "c-6");
    refusedTurn(keeper, "c-6");
    assertThat(nextTurn(keeper, "c-6").kept()).isFalse();
    assertThat(promoted).isEmpty();
  }
}
