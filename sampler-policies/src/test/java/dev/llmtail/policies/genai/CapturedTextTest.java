package dev.llmtail.policies.genai;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What makes two captured requests the same: all they sent, not only what was kept of it. */
class CapturedTextTest {

  @Test
  void digestIsEmptyOnlyWhenNothingWasCaptured() {
    assertThat(CapturedText.digest("", "")).isEmpty();
    assertThat(CapturedText.digest("", "hi")).hasSize(32).matches("[0-9a-f]{32}");
    assertThat(CapturedText.digest("be brief", "")).hasSize(32);
  }

  @Test
  void equalRequestsHaveEqualDigests() {
    String prompt = "[{\"role\":\"user\",\"content\":\"" + "ü".repeat(9000) + "\"}]";

    assertThat(CapturedText.digest("be brief", prompt))
        .isEqualTo(CapturedText.digest("be brief", new String(prompt.toCharArray())));
  }

  @Test
  void requestsThatDifferAnywhereHaveDifferentDigests() {
    String context = "shared context ".repeat(2000);

    assertThat(CapturedText.digest("", context + "a"))
        .isNotEqualTo(CapturedText.digest("", context + "b"));
    assertThat(CapturedText.digest("be brief", context))
        .isNotEqualTo(CapturedText.digest("be long", context));
    assertThat(CapturedText.digest("ab", "c"))
        .as("where the system instructions end is part of the request")
        .isNotEqualTo(CapturedText.digest("a", "bc"));
    assertThat(CapturedText.digest("", "\uD800")).isNotEqualTo(CapturedText.digest("", "\uDC00"));
  }
}
