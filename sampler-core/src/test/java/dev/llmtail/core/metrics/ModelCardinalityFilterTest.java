package dev.llmtail.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.CapturedPrompt;
import dev.llmtail.core.LlmCall;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelCardinalityFilterTest {

  private static LlmCall call(String provider, String model) {
    return new LlmCall(
        "0000000000000001",
        "chat",
        provider,
        model,
        model,
        "chat",
        null,
        List.of(),
        1L,
        1L,
        null,
        null,
        null,
        null,
        "",
        false,
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
  void unknownModelsAndProvidersFoldIntoOther() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    meters.config().meterFilter(ModelCardinalityFilter.withDefaults());
    new LlmUsageMetrics(meters)
        .count(
            List.of(
                call("openai", "gpt-4o"),
                call("openai", "ft:gpt-4o:acme:x"),
                call("my-gateway", "claude-3-haiku")));

    assertThat(meters.counter("llmtail.llm.calls", "provider", "openai", "model", "gpt-4o").count())
        .isEqualTo(1);
    assertThat(meters.counter("llmtail.llm.calls", "provider", "openai", "model", "other").count())
        .isEqualTo(1);
    assertThat(
            meters
                .counter("llmtail.llm.calls", "provider", "other", "model", "claude-3-haiku")
                .count())
        .isEqualTo(1);
  }

  @Test
  void distinctKnownModelsAreCappedToo() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    meters.config().meterFilter(new ModelCardinalityFilter(List.of("gpt-"), 2));
    new LlmUsageMetrics(meters)
        .count(
            List.of(
                call("openai", "gpt-a"),
                call("openai", "gpt-b"),
                call("openai", "gpt-c"),
                call("openai", "gpt-a")));

    assertThat(meters.counter("llmtail.llm.calls", "provider", "openai", "model", "gpt-a").count())
        .isEqualTo(2);
    assertThat(meters.counter("llmtail.llm.calls", "provider", "openai", "model", "gpt-b").count())
        .isEqualTo(1);
    assertThat(meters.counter("llmtail.llm.calls", "provider", "openai", "model", "other").count())
        .isEqualTo(1);
  }

  @Test
  void metersOutsideLlmtailLlmAreLeftAlone() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    meters.config().meterFilter(ModelCardinalityFilter.withDefaults());
    meters.counter("llmtail.decisions", "model", "anything").increment();
    assertThat(meters.find("llmtail.decisions").tag("model", "anything").counter()).isNotNull();
  }
}
