package dev.llmtail.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.CapturedPrompt;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.TestSpans;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.TraceViews;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class LlmUsageMetricsTest {

  static LlmCall streamed(Boolean streaming, List<String> finish, boolean error) {
    return streamed(streaming, finish, error, 1L);
  }

  private static LlmCall streamed(
      Boolean streaming, List<String> finish, boolean error, Long outputTokens) {
    return call("gpt-4o", streaming, finish, error, outputTokens);
  }

  private static LlmCall call(
      String model, Boolean streaming, List<String> finish, boolean error, Long outputTokens) {
    return new LlmCall(
        "0000000000000001",
        "chat",
        "openai",
        model,
        model,
        "chat",
        streaming,
        finish,
        1L,
        outputTokens,
        null,
        null,
        null,
        null,
        "",
        error,
        true,
        null,
        "",
        CapturedPrompt.NONE,
        "",
        1,
        2,
        false);
  }

  @Test
  void callIsTruncatedWhenCutByALimitOrAStreamFailedOrEndedWithNeitherFinishNorUsage() {
    assertThat(LlmUsageMetrics.truncated(streamed(true, List.of("stop"), false))).isFalse();
    assertThat(LlmUsageMetrics.truncated(streamed(true, List.of(), false, null))).isTrue();
    // an instrumentation that records no finish reason on streams, but usage
    assertThat(LlmUsageMetrics.truncated(streamed(true, List.of(), false))).isFalse();
    assertThat(LlmUsageMetrics.truncated(streamed(true, List.of("length"), false))).isTrue();
    assertThat(LlmUsageMetrics.truncated(streamed(false, List.of("length"), false))).isTrue();
    assertThat(LlmUsageMetrics.truncated(streamed(true, List.of("stop"), true))).isTrue();
    assertThat(LlmUsageMetrics.truncated(streamed(false, List.of(), true))).isFalse();
    assertThat(LlmUsageMetrics.truncated(streamed(null, List.of("interrupted"), false))).isTrue();
    assertThat(LlmUsageMetrics.truncated(streamed(null, List.of("stop"), false))).isFalse();
  }

  @Test
  void countsTheCallsOfEveryDecidedTraceKeptOrDropped() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    LlmUsageMetrics usage = new LlmUsageMetrics(meters);
    TraceId id = TestSpans.traceId(1);
    TraceView trace =
        TraceViews.withCalls(
            id,
            List.of(TestSpans.resourceSpans(TestSpans.span(id, 1, 0, true, false))),
            List.of(
                streamed(false, List.of("stop"), false), streamed(true, List.of(), false, null)));

    // Two traces of these calls arrive; whichever is kept or dropped later, both are counted.
    usage.count(trace.llmCalls());
    usage.count(trace.llmCalls());

    assertThat(meters.counter("llmtail.llm.calls", "provider", "openai", "model", "gpt-4o").count())
        .isEqualTo(4);
    assertThat(
            meters
                .counter("llmtail.llm.streams.truncated", "provider", "openai", "model", "gpt-4o")
                .count())
        .isEqualTo(2);
    assertThat(
            meters
                .counter(
                    "llmtail.llm.tokens", "provider", "openai", "model", "gpt-4o", "type", "input")
                .count())
        .isEqualTo(4);
  }

  @Test
  void countsCallsWhoseUsageHasNoPriceFromTheStart() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    LlmUsageMetrics usage =
        new LlmUsageMetrics(
            meters,
            call ->
                call.model().equals("gpt-4o")
                    ? java.util.OptionalDouble.empty()
                    : java.util.OptionalDouble.of(0.5));
    // Exists at zero before any call, so that a rate over it has a series.
    assertThat(
            meters
                .get("llmtail.llm.calls.unpriced")
                .tags("provider", "other", "model", "other")
                .counter()
                .count())
        .isZero();

    usage.count(List.of(streamed(false, List.of("stop"), false)));

    assertThat(
            meters
                .counter("llmtail.llm.calls.unpriced", "provider", "openai", "model", "gpt-4o")
                .count())
        .isEqualTo(1);
    assertThat(meters.find("llmtail.llm.cost").tags("model", "gpt-4o").counter()).isNull();
  }

  @Test
  void eachModelsSeriesAppearsWithItsFirstCallOfThatKindAndFoldsIntoOtherPastTheModelCap() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    meters.config().meterFilter(new ModelCardinalityFilter(List.of("gpt-"), 1));
    LlmUsageMetrics usage = new LlmUsageMetrics(meters);

    for (int i = 0; i < 3; i++) {
      usage.count(
          List.of(
              call("GPT-4o", false, List.of("stop"), false, 1L),
              call("gpt-4.1", false, List.of("stop"), i == 2, 1L)));
    }

    assertThat(meters.counter("llmtail.llm.calls", "provider", "openai", "model", "gpt-4o").count())
        .isEqualTo(3);
    // Past the cap of one model, another model counts under "other", every time.
    assertThat(meters.counter("llmtail.llm.calls", "provider", "openai", "model", "other").count())
        .isEqualTo(3);
    assertThat(meters.counter("llmtail.llm.errors", "provider", "openai", "model", "other").count())
        .isEqualTo(1);
    // A model that never failed has no error series.
    assertThat(meters.find("llmtail.llm.errors").tags("model", "gpt-4o").counter()).isNull();
  }
}
