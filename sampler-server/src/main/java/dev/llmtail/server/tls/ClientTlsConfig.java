package dev.llmtail.server.tls;

/**
 * The {@code tls} section of the OTLP exporter, with the key names of the Collector's {@code
 * configtls} client settings. Files are read and checked when the config is loaded.
 *
 * <p>TLS is on when the endpoint is {@code https://…}, or when this section asks for it ({@code
 * insecure: false}, a CA, a client certificate, {@code insecure_skip_verify} or {@code
 * server_name_override}); a bare {@code host:port} with no section stays plaintext, as before.
 *
 * @param insecure {@code true}: plaintext; {@code false}: TLS; unset: decided as above
 * @param caFile PEM certificates the backend's certificate must chain to; default: the JDK's
 * @param certFile PEM client certificate for mTLS
 * @param keyFile PEM (PKCS#8) private key of {@code cert_file}
 * @param insecureSkipVerify accept any server certificate (tests only); default {@code false}
 * @param serverNameOverride the name the backend's certificate must carry (and the authority sent),
 *     when it differs from the endpoint's host
 */
public record ClientTlsConfig(
    Boolean insecure,
    String caFile,
    String certFile,
    String keyFile,
    Boolean insecureSkipVerify,
    String serverNameOverride) {

  /** No section. */
  @SuppressWarnings("NullAway") // null picks the defaults, as an absent YAML section does
  public static final ClientTlsConfig NONE =
      new ClientTlsConfig(null, null, null, null, null, null);

  public ClientTlsConfig {
    caFile = caFile == null ? "" : caFile.trim();
    certFile = certFile == null ? "" : certFile.trim();
    keyFile = keyFile == null ? "" : keyFile.trim();
    insecureSkipVerify = insecureSkipVerify != null && insecureSkipVerify;
    serverNameOverride = serverNameOverride == null ? "" : serverNameOverride.trim();
    if (certFile.isEmpty() != keyFile.isEmpty()) {
      throw new IllegalArgumentException(
          (certFile.isEmpty() ? "cert_file" : "key_file")
              + ": missing (expected: cert_file and key_file together for mTLS, or neither)");
    }
    if (Boolean.TRUE.equals(insecure)
        && asksForTls(caFile, certFile, insecureSkipVerify, serverNameOverride)) {
      throw new IllegalArgumentException(
          "insecure: true turns TLS off, but ca_file, cert_file, insecure_skip_verify or server_name_override is set (expected: insecure: false, or none of those)");
    }
    if (!caFile.isEmpty()) {
      PemFiles.certificates("ca_file", caFile);
    }
    if (!certFile.isEmpty()) {
      PemFiles.identity("cert_file", certFile, "key_file", keyFile);
    }
  }

  /**
   * This section with {@code insecure} decided for {@code endpoint}: {@code https://} means TLS,
   * {@code http://} plaintext, a bare {@code host:port} whatever this section asks for.
   */
  public ClientTlsConfig forEndpoint(String endpoint) {
    boolean https = endpoint.startsWith("https://");
    boolean wanted =
        Boolean.FALSE.equals(insecure)
            || asksForTls(caFile, certFile, insecureSkipVerify, serverNameOverride);
    if (https && Boolean.TRUE.equals(insecure)) {
      throw new IllegalArgumentException(
          "tls.insecure: true, but the endpoint '"
              + endpoint
              + "' is https:// (expected: one of them)");
    }
    if (endpoint.startsWith("http://") && wanted) {
      throw new IllegalArgumentException(
          "endpoint: '"
              + endpoint
              + "' is http:// (plaintext) but the tls section asks for TLS (expected: https:// or host:port)");
    }
    boolean plaintext = !(https || (wanted && !Boolean.TRUE.equals(insecure)));
    return new ClientTlsConfig(
        plaintext, caFile, certFile, keyFile, insecureSkipVerify, serverNameOverride);
  }

  /** Whether the exporter speaks TLS; decided by {@link #forEndpoint}. */
  public boolean enabled() {
    return Boolean.FALSE.equals(insecure);
  }

  private static boolean asksForTls(
      String caFile, String certFile, Boolean insecureSkipVerify, String serverNameOverride) {
    return !caFile.isEmpty()
        || !certFile.isEmpty()
        || insecureSkipVerify
        || !serverNameOverride.isEmpty();
  }
}
