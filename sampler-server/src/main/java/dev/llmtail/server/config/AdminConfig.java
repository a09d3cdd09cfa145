package dev.llmtail.server.config;

import java.time.Duration;

/**
 * The {@code admin} section: the admin HTTP server ({@code /debug}, {@code /metrics}, {@code
 * /healthz}, {@code /readyz}) and the decision log behind {@code /debug}.
 *
 * @param endpoint {@code host:port} to listen on; default {@code 0.0.0.0:5319}
 * @param bearerToken when set, every {@code /debug/...} API call needs {@code Authorization: Bearer
 *     <token>}; default empty (no token)
 * @param showMessageContent whether prompts and outputs are kept in the decision log and shown by
 *     {@code /debug}; default {@code false}
 * @param decisionLog how many decisions {@code /debug} can explain
 */
public record AdminConfig(
    String endpoint,
    String bearerToken,
    Boolean showMessageContent,
    DecisionLogConfig decisionLog) {

  public AdminConfig {
    endpoint = endpoint == null ? "0.0.0.0:5319" : endpoint.trim();
    HostPort.parse("endpoint", endpoint);
    bearerToken = bearerToken == null ? "" : bearerToken.trim();
    if (!bearerToken.isEmpty() && bearerToken.length() < 16) {
      throw new IllegalArgumentException(
          "bearer_token: "
              + bearerToken.length()
              + " characters (expected: at least 16, e.g. from openssl rand -hex 16, or empty for no token)");
    }
    showMessageContent = showMessageContent != null && showMessageContent;
    decisionLog = decisionLog == null ? new DecisionLogConfig(null, null) : decisionLog;
  }

  public HostPort address() {
    return HostPort.parse("admin.endpoint", endpoint);
  }

  /**
   * The {@code admin.decision_log} section.
   *
   * @param maxEntries most decided traces remembered; default {@code 50000}
   * @param maxAge decisions older than this are forgotten; default {@code 1h}
   */
  public record DecisionLogConfig(Integer maxEntries, Duration maxAge) {
    public DecisionLogConfig {
      maxEntries = maxEntries == null ? 50_000 : maxEntries;
      maxAge = maxAge == null ? Duration.ofHours(1) : maxAge;
      if (maxEntries < 1) {
        throw new IllegalArgumentException("max_entries: " + maxEntries + " (expected: >= 1)");
      }
      if (maxAge.isNegative() || maxAge.isZero()) {
        throw new IllegalArgumentException(
            "max_age: " + maxAge + " (expected: a duration > 0, e.g. 1h)");
      }
    }
  }
}
