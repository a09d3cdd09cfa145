package dev.llmtail.server.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Checks the {@code Authorization: Bearer <token>} header of {@code /debug} API calls against the
 * configured token in constant time (no early exit on the first differing byte, so response time
 * does not reveal how much of a guess was right). An empty token disables the check.
 */
final class BearerToken {

  private final byte[] expected;

  BearerToken(String token) {
    this.expected = token.isEmpty() ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  boolean required() {
    return expected != null;
  }

  /** True when no token is configured or {@code authorization} carries the right one. */
  boolean admits(String authorization) {
    if (expected == null) {
      return true;
    }
    byte[] given =
        (authorization == null ? "" : authorization.trim()).getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(expected, given);
  }
}
