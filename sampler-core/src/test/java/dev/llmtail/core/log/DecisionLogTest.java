package dev.llmtail.core.log;

import static dev.llmtail.core.TestSpans.span;
import static dev.llmtail.core.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmtail.core.CapturedPrompt;
import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.core.TestSpans;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.TraceViews;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.TraceFragment;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionLogTest {

  private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");

  private Instant now = T0;
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };

  private static Span withConversation(Span s, String key, String id) {
    return s.toBuilder()
        .addAttributes(
            KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(id)))
        .build();
  }

  private TraceView trace(long n, String conversation) {
    TraceId id = traceId(n);
    Span root = span(id, 1, 0, true, false);
    Span child = span(id, 2, 1, true, false);
    if (conversation != null) {
      child = withConversation(child, "gen_ai.conversation.id", conversation);
    }
    return TestSpans.view(id, root, child);
  }

  private Decision decision(TraceView trace, boolean kept) {
    Verdict v = kept ? Verdict.keep("matched") : Verdict.noOpinion("did not match");
    return new Decision(
        trace.traceId(),
        kept,
        kept ? "kept by p" : "no policy matched",
        kept ? 1 : 0,
        DecisionTrigger.COMPLETE,
        now,
        List.of(new PolicyVerdict("p", "test", v)));
  }

  private void decide(DecisionLog log, TraceView trace, boolean kept) {
    log.onDecided(decision(trace, kept), trace);
  }

  @Test
  void recordsEveryDecisionWithTheTraceShape() {
    DecisionLog log = new DecisionLog(10, Duration.ofHours(1), false, clock);
    TraceView t = trace(1, "conv-1");
    decide(log, t, false);

    DecisionRecord r = log.find(t.traceId()).orElseThrow();
    assertThat(r.decision().reason()).isEqualTo("no policy matched");
    assertThat(r.rootName()).isEqualTo("span-1");
    assertThat(r.spanCount()).isEqualTo(2);
    assertThat(r.conversationIds()).containsExactly("conv-1");
    assertThat(r.start()).isEqualTo(Instant.ofEpochSecond(1));
    assertThat(r.duration()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void findsTracesByConversationNewestFirstFromEitherAttribute() {
    DecisionLog log = new DecisionLog(10, Duration.ofHours(1), false, clock);
    TraceView first = trace(1, "conv-1");
    decide(log, first, false);
    TraceId id = traceId(2);
    TraceView second =
        TestSpans.view(id, withConversation(span(id, 1, 0, true, false), "session.id", "conv-1"));
    decide(log, second, true);
    decide(log, trace(3, "other"), false);

    assertThat(log.conversation("conv-1"))
        .extracting(DecisionRecord::traceId)
        .containsExactly(id, first.traceId());
    assertThat(log.conversation("nobody")).isEmpty();
  }

  @Test
  void conversationIdsKeepFirstSeenOrderAndTheFirstValueOfARepeatedAttribute() {
    TraceId id = traceId(4);
    Span root =
        withConversation(
            withConversation(
                withConversation(span(id, 1, 0, true, false), "session.id", "s-1"),
                "gen_ai.conversation.id",
                "c-1"),
            "gen_ai.conversation.id",
            "c-repeated");
    Span child =
        withConversation(
            withConversation(span(id, 2, 1, true, false), "gen_ai.conversation.id", ""),
            "session.id",
            "c-1");
    TraceView t = TestSpans.view(id, root, child);

    // Per span the conversation id before the session id, each as first written; blanks and
    // repeats left out.
    assertThat(DecisionLog.conversationIdsOf(t)).containsExactly("c-1", "s-1");
    assertThat(DecisionLog.conversationIdsOf(trace(5, null))).isEmpty();
  }

  @Test
  void oldestRecordsAreForgottenBeyondMaxEntriesButTheirOutcomeIsRemembered() {
    DecisionLog log = new DecisionLog(2, Duration.ofHours(1), false, clock);
    TraceView a = trace(1, "c");
    decide(log, a, true);
    now = now.plusSeconds(1);
    decide(log, trace(2, "c"), false);
    now = now.plusSeconds(1);
    decide(log, trace(3, "c"), false);

    assertThat(log.size()).isEqualTo(2);
    assertThat(log.find(a.traceId())).isEmpty();
    ForgottenTrace f = log.forgotten(a.traceId()).orElseThrow();
    assertThat(f.kept()).isTrue();
    assertThat(f.decidedAt()).isEqualTo(T0);
    assertThat(log.horizon()).isEqualTo(T0.plusSeconds(1));
    assertThat(log.conversation("c")).hasSize(2);
  }

  @Test
  void recordsOlderThanMaxAgeAreForgottenOnRead() {
    DecisionLog log = new DecisionLog(100, Duration.ofMinutes(10), false, clock);
    TraceView a = trace(1, null);
    decide(log, a, false);
    assertThat(log.horizon()).isEqualTo(T0);

    now = now.plus(Duration.ofMinutes(11));

    assertThat(log.find(a.traceId())).isEmpty();
    assertThat(log.forgotten(a.traceId())).isPresent();
    assertThat(log.size()).isZero();
    assertThat(log.horizon()).isEqualTo(now);
  }

  @Test
  void lateSpansAreCountedOnTheirTracesRecord() {
    DecisionLog log = new DecisionLog(10, Duration.ofHours(1), false, clock);
    TraceView t = trace(1, null);
    decide(log, t, true);
    TraceFragment late =
        new TraceFragment(
            t.traceId(), TestSpans.resourceSpans(span(t.traceId(), 9, 1, true, false)), 3, false);

    log.onLateSpans(new RememberedDecision(true, "kept by p", 1), late);

    assertThat(log.find(t.traceId()).orElseThrow().lateSpans()).isEqualTo(3);
  }

  @Test
  void recentListsNewestFirstUpToTheLimit() {
    DecisionLog log = new DecisionLog(10, Duration.ofHours(1), false, clock);
    for (int i = 1; i <= 5; i++) {
      decide(log, trace(i, null), i % 2 == 0);
    }
    assertThat(log.recent(r -> true, 3))
        .extracting(r -> r.traceId().low())
        .containsExactly(5L, 4L, 3L);
    assertThat(log.recent(r -> r.decision().kept(), 10))
        .extracting(r -> r.traceId().low())
        .containsExactly(4L, 2L);
  }

  @Test
  void aTraceDecidedAgainReplacesItsRecord() {
    DecisionLog log = new DecisionLog(10, Duration.ofHours(1), false, clock);
    TraceView t = trace(1, "c");
    decide(log, t, false);
    decide(log, t, true);
    assertThat(log.size()).isEqualTo(1);
    assertThat(log.find(t.traceId()).orElseThrow().decision().kept()).isTrue();
    assertThat(log.conversation("c")).hasSize(1);
  }

  @Test
  void aTraceDecidedAgainBecomesTheNewestAndTheOldestOthersAreForgottenFirst() {
    DecisionLog log = new DecisionLog(3, Duration.ofHours(1), false, clock);
    for (int i = 1; i <= 3; i++) {
      decide(log, trace(i, null), false);
    }
    decide(log, trace(2, null), true); // from the middle to the newest
    assertThat(log.recent(r -> true, 10))
        .extracting(r -> r.traceId().low())
        .containsExactly(2L, 3L, 1L);

    decide(log, trace(4, null), false);
    decide(log, trace(5, null), false);

    assertThat(log.recent(r -> true, 10))
        .extracting(r -> r.traceId().low())
        .containsExactly(5L, 4L, 2L);
    assertThat(log.forgotten(traceId(1))).isPresent();
    assertThat(log.forgotten(traceId(3))).isPresent();
    assertThat(log.horizon()).isEqualTo(T0);
  }

  @Test
  void messageContentIsKeptOnlyWhenAskedFor() {
    TraceView t = trace(1, null);
    LlmCall call =
        new LlmCall(
            "0000000000000002",
            "chat",
            "openai",
            "gpt-4o",
            "gpt-4o-mini",
            "chat",
            false,
            List.of("stop"),
            100L,
            20L,
            10L,
            null,
            null,
            0.5,
            "",
            false,
            true,
            1,
            "conv-9",
            CapturedPrompt.of("the prompt", ""),
            "the answer",
            1,
            2,
            false);
    TraceView withCall = TraceViews.withCalls(t.traceId(), t.fragments(), List.of(call));

    DecisionRecord hidden = DecisionLog.recordOf(decision(withCall, false), withCall, false);
    DecisionRecord shown = DecisionLog.recordOf(decision(withCall, false), withCall, true);

    assertThat(hidden.llm().content()).isEmpty();
    assertThat(shown.llm().content())
        .singleElement()
        .satisfies(c -> assertThat(c.output()).isEqualTo("the answer"));
    assertThat(hidden.llm().calls()).isEqualTo(1);
    assertThat(hidden.llm().modelsAsked()).containsExactly("gpt-4o");
    assertThat(hidden.llm().modelsAnswered()).containsExactly("gpt-4o-mini");
    assertThat(hidden.llm().inputTokens()).isEqualTo(100);
    assertThat(hidden.llm().cachedInputTokens()).isEqualTo(10);
    assertThat(hidden.llm().costUsd()).isEqualTo(0.5);
    assertThat(hidden.conversationIds()).containsExactly("conv-9");
  }

  @Test
  void refusesBoundsThatCannotWork() {
    assertThatThrownBy(() -> new DecisionLog(0, Duration.ofHours(1), false, clock))
        .hasMessage("max_entries: 0 (expected: >= 1)");
  }
}
