package dev.llmtail.server.tls;

import java.time.Duration;
import java.util.List;

/**
 * The {@code tls} section of a listener (the receivers and the admin server), with the key names of
 * the Collector's {@code configtls} server settings. Files are read and checked when the config is
 * loaded.
 *
 * @param certFile PEM certificate chain the listener presents; empty (default) means plaintext
 * @param keyFile PEM (PKCS#8) private key of {@code cert_file}
 * @param clientCaFile PEM certificates that sign client certificates; when set, every client must
 *     present one (mTLS)
 * @param minVersion lowest TLS version accepted: {@code 1.2} (default) or {@code 1.3}
 * @param reloadInterval how often the files are checked for a new certificate; {@code 0} (default)
 *     reads them once
 */
public record ServerTlsConfig(
    String certFile,
    String keyFile,
    String clientCaFile,
    String minVersion,
    Duration reloadInterval) {

  /** Plaintext. */
  @SuppressWarnings("NullAway") // null picks the defaults, as an absent YAML section does
  public static final ServerTlsConfig NONE = new ServerTlsConfig(null, null, null, null, null);

  public ServerTlsConfig {
    certFile = certFile == null ? "" : certFile.trim();
    keyFile = keyFile == null ? "" : keyFile.trim();
    clientCaFile = clientCaFile == null ? "" : clientCaFile.trim();
    minVersion = minVersion == null ? "1.2" : minVersion.trim();
    reloadInterval = reloadInterval == null ? Duration.ZERO : reloadInterval;
    if (!minVersion.equals("1.2") && !minVersion.equals("1.3")) {
      throw new IllegalArgumentException(
          "min_version: '" + minVersion + "' (expected: 1.2 or 1.3)");
    }
    if (reloadInterval.isNegative()) {
      throw new IllegalArgumentException(
          "reload_interval: " + reloadInterval + " (expected: >= 0, e.g. 1m; 0 reads once)");
    }
    if (certFile.isEmpty() != keyFile.isEmpty()) {
      throw new IllegalArgumentException(
          (certFile.isEmpty() ? "cert_file" : "key_file")
              + ": missing (expected: cert_file and key_file together, or neither for plaintext)");
    }
    if (!clientCaFile.isEmpty() && certFile.isEmpty()) {
      throw new IllegalArgumentException(
          "client_ca_file: set without cert_file and key_file (expected: mTLS needs the listener's own certificate too)");
    }
    if (!certFile.isEmpty()) {
      PemFiles.identity("cert_file", certFile, "key_file", keyFile);
    }
    if (!clientCaFile.isEmpty()) {
      PemFiles.certificates("client_ca_file", clientCaFile);
    }
  }

  /** Whether the listener speaks TLS. */
  public boolean enabled() {
    return !certFile.isEmpty();
  }

  /** The TLS protocol versions accepted, newest first. */
  List<String> protocols() {
    return minVersion.equals("1.3") ? List.of("TLSv1.3") : List.of("TLSv1.3", "TLSv1.2");
  }
}
