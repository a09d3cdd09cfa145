package dev.llmtail.policies;

/**
 * Keeping a share of traces by the trace id's randomness (its 56 low bits, W3C Trace Context level
 * 2), so that every replica and OpenTelemetry's consistent-probability samplers agree.
 */
final class TraceRandomness {

  private static final double TWO_TO_56 = 0x1p56;

  private TraceRandomness() {}

  /** The threshold {@code T = round((1 - p) * 2^56)}: a trace is kept when its randomness ≥ T. */
  static long rejectionThreshold(double p) {
    return Math.round((1 - p) * TWO_TO_56);
  }
}
