package com.example.longprompt;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;

/** The {@code long-prompt} policy type: keeps a trace that sent a model a very long prompt. */
final class LongPromptPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("long-prompt", Options.class, LongPromptPolicy::new);

  /**
   * @param minInputTokens a prompt of at least this many input tokens keeps the trace; default
   *     100000
   */
  record Options(Long minInputTokens) {
    Options {
      minInputTokens = minInputTokens == null ? 100_000 : minInputTokens;
      if (minInputTokens < 1) {
        throw new IllegalArgumentException(
            "min_input_tokens: " + minInputTokens + " (expected: >= 1, e.g. 50000)");
      }
    }
  }

  private final long minInputTokens;

  LongPromptPolicy(Options options) {
    this.minInputTokens = options.minInputTokens();
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    for (LlmCall call : trace.llmCalls()) {
      if (call.inputTokens() != null && call.inputTokens() >= minInputTokens) {
        return Verdict.keep(
            "long-prompt: " + call.model() + " was sent " + call.inputTokens() + " input tokens",
            new Evidence(
                call.spanId(),
                "input tokens",
                call.inputTokens().toString(),
                ">= " + minInputTokens));
      }
    }
    return Verdict.noOpinion(
        "no prompt of " + minInputTokens + " input tokens or more",
        Evidence.ofTrace(
            "LLM calls",
            Integer.toString(trace.llmCalls().size()),
            "one with >= " + minInputTokens + " input tokens"));
  }
}
