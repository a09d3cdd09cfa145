package dev.llmtail.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.LlmCall;
import java.util.List;
import org.junit.jupiter.api.Test;

class LlmUsageMetricsTest {

  private static LlmCall streamed(Boolean streaming, List<String> finish, boolean error) {
    return new LlmCall(
        "0000000000000001", "chat", "openai", "gpt-4o", "gpt-4o", "chat", streaming, finish, 1L, 1L, null,
        null, null, null, "", error, true, null, "", "", "", 1, 2);
  }

  @Test
  void streamIsTruncatedWhenItFailedWasCutOffOrNeverSaidHowItEnded() {
    assertThat(LlmUsageMetrics.truncated(streamed(true, List.of("stop"), false))).isFalse();
    assertThat(LlmUsageMetrics.truncated(streamed(true, List.of(), false))).isTrue();
    assertThat(LlmUsageMetrics.truncated(streamed(true, List.of("length"), false))).isTrue();
    assertThat(LlmUsageMetrics.truncated(streamed(true, List.of("stop"), true))).isTrue();
    assertThat(LlmUsageMetrics.truncated(streamed(false, List.of(), true))).isFalse();
    assertThat(LlmUsageMetrics.truncated(streamed(null, List.of(), false))).isFalse();
  }
}
