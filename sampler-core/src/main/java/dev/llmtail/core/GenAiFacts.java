package dev.llmtail.core;

import java.util.List;

/** What a {@link GenAiReader} found in one trace: its LLM calls and evaluation results. */
public record GenAiFacts(List<LlmCall> calls, List<Evaluation> evaluations) {

  public static final GenAiFacts NONE = new GenAiFacts(List.of(), List.of());

  public GenAiFacts {
    calls = List.copyOf(calls);
    evaluations = List.copyOf(evaluations);
  }
}
