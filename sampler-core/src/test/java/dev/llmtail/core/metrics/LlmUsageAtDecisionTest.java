package dev.llmtail.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.GenAiFacts;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.TestSpans;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.TraceViews;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.TraceFragment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LlmUsageAtDecisionTest {

  private static LlmCall call() {
    return LlmUsageMetricsTest.streamed(false, List.of("stop"), false);
  }

  @Test
  void countsTheCallsOfADecidedTraceOnceLateSpansOnTheirOwnAndAPromotionNotAgain() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    LlmCall late = call();
    LlmUsageAtDecision listener =
        new LlmUsageAtDecision(
            new LlmUsageMetrics(meters), trace -> new GenAiFacts(List.of(late), List.of()));
    TraceId id = TestSpans.traceId(1);
    TraceView trace =
        TraceViews.withCalls(
            id,
            List.of(TestSpans.resourceSpans(TestSpans.span(id, 1, 0, true, false))),
            List.of(call(), call()));

    listener.onDecided(
        new Decision(
            id,
            false,
            "no policy matched",
            0,
            DecisionTrigger.COMPLETE,
            Instant.EPOCH,
            List.of(),
            1),
        trace);
    assertThat(meters.counter("llmtail.llm.calls", "provider", "openai", "model", "gpt-4o").count())
        .isEqualTo(2);

    listener.onLateSpans(
        new RememberedDecision(false, "no policy matched", 0),
        new TraceFragment(
            id, TestSpans.resourceSpans(TestSpans.span(id, 9, 1, true, false)), 1, false));
    assertThat(meters.counter("llmtail.llm.calls", "provider", "openai", "model", "gpt-4o").count())
        .isEqualTo(3);

    // Late evidence keeps the dropped trace: its calls, the late one included, were counted.
    listener.onDecided(
        new Decision(
            id,
            true,
            "kept by flagged on late evidence",
            0,
            DecisionTrigger.PROMOTED,
            Instant.EPOCH,
            List.of(),
            1),
        TraceViews.withCalls(
            id,
            List.of(TestSpans.resourceSpans(TestSpans.span(id, 1, 0, true, false))),
            List.of(call(), call(), late)));
    assertThat(meters.counter("llmtail.llm.calls", "provider", "openai", "model", "gpt-4o").count())
        .isEqualTo(3);
  }
}
