package dev.llmtail.server.admin;

import dev.llmtail.server.auth.BearerToken;
import java.util.Optional;

/**
 * Who may read {@code /debug} data: with a bearer token configured, whoever sends it; without one,
 * anyone, but only while the admin server listens on loopback. Bound beyond loopback without a
 * token, {@code /debug} data is refused (403) rather than served to the network.
 */
final class DebugAccess {

  private final BearerToken token;
  private final boolean loopbackOnly;

  DebugAccess(BearerToken token, boolean loopbackOnly) {
    this.token = token;
    this.loopbackOnly = loopbackOnly;
  }

  /** Open access, as on loopback without a token (for tests). */
  static DebugAccess open() {
    return new DebugAccess(new BearerToken(""), true);
  }

  /** Whether {@code /debug} data is refused to everyone: beyond loopback without a token. */
  boolean closed() {
    return !token.required() && !loopbackOnly;
  }

  /** The answer refusing a request with this {@code authorization} header, if it is refused. */
  Optional<AdminResponse> refusal(String authorization) {
    if (closed()) {
      return Optional.of(
          DebugApi.error(
              403,
              "/debug data is not served on a non-loopback admin.endpoint without a token: set admin.bearer_token, or listen on localhost"));
    }
    if (!token.admits(authorization)) {
      return Optional.of(
          DebugApi.error(
                  401,
                  "/debug needs a bearer token: "
                      + BearerToken.refusal(authorization, "admin.bearer_token"))
              .withHeader("WWW-Authenticate", "Bearer realm=\"llmtail\""));
    }
    return Optional.empty();
  }
}
