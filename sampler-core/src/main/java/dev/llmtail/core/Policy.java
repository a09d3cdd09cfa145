package dev.llmtail.core;

/**
 * A sampling rule: looks at one complete trace and votes keep, drop or no opinion, saying why.
 *
 * <p>Implementations must be thread-safe (the engine may evaluate several traces at once),
 * deterministic for the same trace and state, cheap (they run for every trace), and must not throw
 * for any well-formed trace: an unexpected exception is turned into a {@link Vote#NO_OPINION}
 * verdict naming the failure, and counted.
 *
 * <p>A policy is made from its options by a {@link PolicyProvider}; a {@link PolicyLibrary} makes
 * the type known to the configuration.
 */
public interface Policy {

  /** Evaluates the policy on a complete (or force-decided) trace. */
  Verdict evaluate(TraceView trace);
}
