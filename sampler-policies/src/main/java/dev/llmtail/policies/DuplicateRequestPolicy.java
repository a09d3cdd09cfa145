package dev.llmtail.policies;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.FinishReasons;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code duplicate-request} policy type: keeps a trace in which the same prompt was billed
 * twice — two billed LLM calls with the same model and captured prompt in one trace, or in one
 * conversation within {@code window} — and (by default) the first of them was cut off: the client
 * re-sent a whole prompt after a proxy cut its stream.
 */
final class DuplicateRequestPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("duplicate-request", Options.class, DuplicateRequestPolicy::new);

  /**
   * @param requireFirstCut only count a repeat whose first call did not finish normally; default
   *     true
   * @param window how long a conversation's prompts are remembered across traces; default 2m, 0s
   *     turns the cross-trace check off
   */
  record Options(Boolean requireFirstCut, Duration window) {
    Options {
      requireFirstCut = requireFirstCut == null || requireFirstCut;
      window = window == null ? Duration.ofMinutes(2) : window;
      if (window.isNegative()) {
        throw new IllegalArgumentException("window: " + window + " (expected: >= 0s)");
      }
    }
  }

  /** The earliest billed call seen for a conversation and prompt. */
  private record Seen(String traceId, long startNanos, boolean cut, String spanId) {}

  private final Options options;
  private final Cache<String, Seen> conversations;

  DuplicateRequestPolicy(Options options) {
    this.options = options;
    this.conversations =
        Caffeine.newBuilder()
            .maximumSize(200_000)
            .expireAfterWrite(options.window().isZero() ? Duration.ofNanos(1) : options.window())
            .build();
  }

  private static boolean billed(LlmCall c) {
    return (c.inputTokens() != null && c.inputTokens() > 0)
        || (c.outputTokens() != null && c.outputTokens() > 0);
  }

  private static boolean cut(LlmCall c) {
    return !c.ended()
        || c.statusError()
        || c.finishReasons().isEmpty()
        || c.finishReasons().stream().anyMatch(FinishReasons.TRUNCATIONS::contains);
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    List<LlmCall> calls =
        trace.llmCalls().stream()
            .filter(c -> RequestFingerprint.hasPrompt(c) && billed(c))
            .sorted(Comparator.comparingLong(LlmCall::startEpochNanos))
            .toList();
    Map<String, LlmCall> first = new HashMap<>();
    for (LlmCall call : calls) {
      String fingerprint = RequestFingerprint.of(call);
      LlmCall earlier = first.putIfAbsent(fingerprint, call);
      if (earlier != null && (!options.requireFirstCut() || cut(earlier))) {
        return Verdict.keep(
            "duplicate-request: "
                + LlmEvidence.label(call)
                + " re-sent the prompt of "
                + LlmEvidence.label(earlier)
                + (cut(earlier) ? ", which was cut off" : ""),
            LlmEvidence.of(
                call,
                "same model and prompt as",
                earlier.spanId(),
                options.requireFirstCut() ? "first call cut off" : "billed twice"));
      }
      if (!options.window().isZero() && !call.conversationId().isEmpty()) {
        String key = call.conversationId() + "|" + fingerprint;
        Seen seen =
            conversations.get(
                key,
                k ->
                    new Seen(
                        trace.traceId().toHex(), call.startEpochNanos(), cut(call), call.spanId()));
        boolean sameCall = seen.traceId().equals(trace.traceId().toHex());
        if (!sameCall
            && call.startEpochNanos() - seen.startNanos() <= options.window().toNanos()
            && (!options.requireFirstCut() || seen.cut())) {
          return Verdict.keep(
              "duplicate-request: "
                  + LlmEvidence.label(call)
                  + " re-sent a prompt of trace "
                  + seen.traceId()
                  + " in conversation "
                  + call.conversationId(),
              LlmEvidence.of(
                  call,
                  "same conversation, model and prompt as span",
                  seen.spanId(),
                  "within " + dev.llmtail.core.DurationFormat.format(options.window())));
        }
      }
    }
    return Verdict.noOpinion(
        calls.isEmpty()
            ? "no billed LLM call with a captured prompt"
            : "no prompt billed twice in " + calls.size() + " calls",
        Evidence.ofTrace(
            "billed calls with prompts", Integer.toString(calls.size()), "a repeated prompt"));
  }
}
