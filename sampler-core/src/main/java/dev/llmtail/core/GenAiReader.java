package dev.llmtail.core;

/**
 * Reads LLM calls and evaluation results out of a trace's spans, whatever instrumentation dialect
 * they use. Runs once per trace before the policies, so that policies never re-parse attributes.
 * Must not throw for any input: values it cannot read are ignored (and counted by the
 * implementation).
 */
public interface GenAiReader {

  /** A reader that finds nothing; for deployments without LLM policies and for tests. */
  GenAiReader NONE = trace -> GenAiFacts.NONE;

  GenAiFacts read(TraceView trace);
}
