package dev.llmtail.server.config;

import java.time.Duration;

/**
 * The {@code conversations} section: a trace kept on evidence brings its whole conversation along.
 *
 * @param keepSiblings when a trace with a conversation id is kept on evidence (not only by a
 *     baseline, a sampler or a budget), export the other traces of that conversation the span log
 *     still retains, and keep its later turns decided within {@code followWindow}; default {@code
 *     true}
 * @param followWindow how long after such a keep later turns of the conversation are kept too;
 *     default {@code 30m}
 * @param maxTraces most traces kept with one conversation (earlier and later turns together);
 *     default {@code 100}
 */
public record ConversationsConfig(Boolean keepSiblings, Duration followWindow, Integer maxTraces) {

  public ConversationsConfig {
    keepSiblings = keepSiblings == null || keepSiblings;
    followWindow = followWindow == null ? Duration.ofMinutes(30) : followWindow;
    maxTraces = maxTraces == null ? 100 : maxTraces;
    if (maxTraces < 1) {
      throw new IllegalArgumentException(
          "max_traces: " + maxTraces + " (expected: >= 1, e.g. 100)");
    }
  }

  /** The defaults, as an absent section gives them. */
  @SuppressWarnings("NullAway") // null picks the defaults, as an absent YAML section does
  public static ConversationsConfig defaults() {
    return new ConversationsConfig(null, null, null);
  }
}
