package dev.llmtail.core;

/** What one policy says about one trace. */
public enum Vote {
  /** Keep the trace, unless a policy votes {@link #DROP}. */
  KEEP,
  /** Drop the trace whatever the other policies say (an explicit drop rule matched). */
  DROP,
  /** The policy does not apply to this trace or did not match. */
  NO_OPINION
}
