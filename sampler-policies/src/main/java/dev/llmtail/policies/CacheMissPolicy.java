package dev.llmtail.policies;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.llmtail.core.CountedVerdicts;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.Explanation;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.policies.genai.CapturedInput;
import java.time.Duration;

/**
 * The {@code cache-miss} policy type: keeps a trace in which a long prompt in the middle of a
 * conversation read (almost) nothing from the prompt cache — the sign of a lost session affinity
 * that sends long sessions to cold replicas. A call is mid-conversation when its captured input
 * holds an earlier assistant turn, or when an earlier trace of the same conversation was seen; the
 * first turn of a conversation is never a miss. Calls that do not report cache reads are not
 * judged.
 */
final class CacheMissPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("cache-miss", Options.class, CacheMissPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param minInputTokens prompts shorter than this are not judged; default 4096
   * @param maxCacheReadRatio keep when cache-read tokens / input tokens is at most this; default 0
   * @param conversationMemory how long a conversation is remembered as started; default 1h
   */
  record Options(Long minInputTokens, Double maxCacheReadRatio, Duration conversationMemory) {
    Options {
      minInputTokens = minInputTokens == null ? 4096 : minInputTokens;
      maxCacheReadRatio = maxCacheReadRatio == null ? 0.0 : maxCacheReadRatio;
      conversationMemory = conversationMemory == null ? Duration.ofHours(1) : conversationMemory;
      if (maxCacheReadRatio < 0 || maxCacheReadRatio >= 1) {
        throw new IllegalArgumentException(
            "max_cache_read_ratio: " + maxCacheReadRatio + " (expected: 0 <= value < 1)");
      }
    }
  }

  private final Options options;
  private final TraceClock clock = new TraceClock();

  /** Expires in trace time, so that replay remembers what live traffic remembered. */
  private final Cache<String, TraceId> firstTrace;

  private final CountedVerdicts allCached;

  CacheMissPolicy(Options options) {
    this.options = options;
    long minInputTokens = options.minInputTokens();
    this.allCached =
        CountedVerdicts.noOpinion(
            prompts ->
                Explanation.of(
                    prompts == 0
                        ? "no long mid-conversation prompt with reported cache reads"
                        : prompts + " long prompts all read from the cache",
                    Evidence.ofTrace(
                        "calls judged",
                        Integer.toString(prompts),
                        ">= " + minInputTokens + " input tokens, turn > 1")));
    this.firstTrace =
        Caffeine.newBuilder()
            .maximumSize(200_000)
            .ticker(clock)
            .expireAfterAccess(options.conversationMemory())
            .build();
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    clock.advance(trace);
    int judged = 0;
    TraceId self = trace.traceId();
    for (int ci = 0; ci < trace.llmCalls().size(); ci++) {
      LlmCall call = trace.llmCalls().get(ci);
      boolean laterTurn = false;
      if (!call.conversationId().isEmpty()) {
        // Every call's conversation is remembered, judged or not: a later trace is a later turn.
        laterTurn = !firstTrace.get(call.conversationId(), id -> self).equals(self);
      }
      if (call.inputTokens() == null
          || call.cacheReadTokens() == null
          || call.inputTokens() < options.minInputTokens()) {
        continue;
      }
      // Reading the captured messages (a JSON tree) only for a call that is judged otherwise.
      if (!laterTurn && !CapturedInput.continuesConversation(call.inputText())) {
        continue;
      }
      judged++;
      double ratio = (double) call.cacheReadTokens() / call.inputTokens();
      if (ratio <= options.maxCacheReadRatio()) {
        return Verdict.keep(
            "cache-miss: "
                + LlmEvidence.label(call)
                + " sent "
                + call.inputTokens()
                + " input tokens mid-conversation and read "
                + call.cacheReadTokens()
                + " from the cache",
            LlmEvidence.of(
                call,
                "cache_read.input_tokens / input_tokens",
                call.cacheReadTokens() + "/" + call.inputTokens(),
                "<= " + options.maxCacheReadRatio()));
      }
    }
    return allCached.of(judged);
  }
}
