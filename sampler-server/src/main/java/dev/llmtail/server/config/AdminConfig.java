package dev.llmtail.server.config;

import dev.llmtail.server.auth.AuthConfig;
import dev.llmtail.server.tls.ServerTlsConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * The {@code admin} section: the admin HTTP server ({@code /debug}, {@code /metrics}, {@code
 * /healthz}, {@code /readyz}) and the decision log behind {@code /debug}.
 *
 * @param endpoint {@code host:port} to listen on; default {@code localhost:5319} (this host only,
 *     as the Collector's components default to localhost)
 * @param bearerToken when set, every {@code /debug/...} API call needs {@code Authorization: Bearer
 *     <token>}; default empty (no token). Without one, {@code /debug/...} answers only on a
 *     loopback endpoint.
 * @param showMessageContent whether prompts and outputs are kept in the decision log and shown by
 *     {@code /debug}; default {@code false}
 * @param decisionLog how many decisions {@code /debug} can explain
 * @param tls certificate (and client CAs for mTLS); default plaintext
 */
public record AdminConfig(
    String endpoint,
    String bearerToken,
    Boolean showMessageContent,
    DecisionLogConfig decisionLog,
    ServerTlsConfig tls) {

  @SuppressWarnings("NullAway") // null picks the defaults, as an absent YAML section does
  public AdminConfig {
    endpoint = endpoint == null ? "localhost:5319" : endpoint.trim();
    HostPort.parse("endpoint", endpoint);
    bearerToken = AuthConfig.checkedToken(bearerToken);
    showMessageContent = showMessageContent != null && showMessageContent;
    decisionLog = decisionLog == null ? new DecisionLogConfig(null, null) : decisionLog;
    tls = tls == null ? ServerTlsConfig.NONE : tls;
  }

  public HostPort address() {
    return HostPort.parse("admin.endpoint", endpoint);
  }

  /**
   * Whether the endpoint can be reached from this host only. A host name that does not resolve
   * counts as reachable from elsewhere.
   */
  public boolean loopbackOnly() {
    try {
      return InetAddress.getByName(address().host()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
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
