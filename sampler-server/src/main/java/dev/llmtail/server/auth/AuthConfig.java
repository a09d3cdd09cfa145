package dev.llmtail.server.auth;

/**
 * The {@code auth} section of a receiver: the bearer token every request must carry, as the
 * Collector's {@code bearertokenauth} extension sends it ({@code Authorization: Bearer <token>}).
 *
 * @param bearerToken the token; default empty (no check)
 */
public record AuthConfig(String bearerToken) {

  /** No check. */
  @SuppressWarnings("NullAway") // null picks the default, as an absent YAML key does
  public static final AuthConfig NONE = new AuthConfig(null);

  public AuthConfig {
    bearerToken = checkedToken(bearerToken);
  }

  /** The check this section asks for. */
  public BearerToken token() {
    return new BearerToken(bearerToken);
  }

  /**
   * {@code token} trimmed, empty when unset; refused when shorter than 16 characters. The message
   * names the length, never the token.
   */
  public static String checkedToken(String token) {
    String trimmed = token == null ? "" : token.trim();
    if (!trimmed.isEmpty() && trimmed.length() < 16) {
      throw new IllegalArgumentException(
          "bearer_token: "
              + trimmed.length()
              + " characters (expected: at least 16, e.g. from openssl rand -hex 16, or empty for no token)");
    }
    return trimmed;
  }
}
