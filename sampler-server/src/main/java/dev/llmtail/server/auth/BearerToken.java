package dev.llmtail.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;

/**
 * Checks an {@code Authorization: Bearer <token>} header against the configured token in constant
 * time (no early exit on the first differing byte, so response time does not reveal how much of a
 * guess was right). An empty token disables the check. The token is never part of a message.
 */
public final class BearerToken {

  private final byte @Nullable [] expected;

  public BearerToken(String token) {
    this.expected = token.isEmpty() ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  /** Whether a token is configured. */
  public boolean required() {
    return expected != null;
  }

  /** True when no token is configured or {@code authorization} carries the right one. */
  public boolean admits(String authorization) {
    if (expected == null) {
      return true;
    }
    byte[] given =
        (authorization == null ? "" : authorization.trim()).getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(expected, given);
  }

  /** Why {@code authorization} was refused, without repeating any of it. */
  public static String refusal(String authorization, String configKey) {
    return (authorization == null || authorization.isBlank()
            ? "missing Authorization header"
            : "wrong bearer token")
        + " (expected: Authorization: Bearer <"
        + configKey
        + ">)";
  }
}
