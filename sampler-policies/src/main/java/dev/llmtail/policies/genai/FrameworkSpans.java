package dev.llmtail.policies.genai;

import dev.llmtail.core.LlmCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Drops a framework's span of a call that a client instrumentation reported too, so that every call
 * counts once (cost, retries, metrics).
 *
 * <p>LangChain under OpenInference writes a {@code ChatOpenAI} LLM span beside the openai client's
 * own LLM span for the same request; they are siblings, not parent and child, so {@link CallSpans}
 * cannot tell. Two call spans are one call when they have different names, one encloses the other
 * in time, and both name the same model and report the same token usage: the inner (client) span
 * stays.
 */
final class FrameworkSpans {

  private FrameworkSpans() {}

  @SuppressWarnings("ReferenceEquality") // skips the call itself, not an equal one
  static List<LlmCall> dropRepeats(List<LlmCall> calls) {
    if (calls.size() < 2) {
      return calls;
    }
    List<LlmCall> kept = new ArrayList<>(calls.size());
    for (LlmCall outer : calls) {
      boolean repeats = false;
      for (LlmCall inner : calls) {
        if (inner != outer && encloses(outer, inner) && sameCall(outer, inner)) {
          repeats = true;
          break;
        }
      }
      if (!repeats) {
        kept.add(outer);
      }
    }
    return kept;
  }

  private static boolean encloses(LlmCall outer, LlmCall inner) {
    return outer.ended()
        && inner.ended()
        && outer.startEpochNanos() <= inner.startEpochNanos()
        && outer.endEpochNanos() >= inner.endEpochNanos()
        // two spans of exactly the same interval: keep the first one read
        && !(outer.startEpochNanos() == inner.startEpochNanos()
            && outer.endEpochNanos() == inner.endEpochNanos()
            && outer.spanId().compareTo(inner.spanId()) < 0);
  }

  private static boolean sameCall(LlmCall a, LlmCall b) {
    // Two instrumentations name their spans differently; same-named spans are two calls (a
    // retry whose first attempt hung past the second is still two attempts).
    return !a.spanName().equals(b.spanName())
        && !a.model().isEmpty()
        && a.model().equalsIgnoreCase(b.model())
        && !a.operation().equals("embeddings") == !b.operation().equals("embeddings")
        && Objects.equals(a.inputTokens(), b.inputTokens())
        && Objects.equals(a.outputTokens(), b.outputTokens());
  }
}
