package dev.llmtail.server.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks {@code exporter.otlp.endpoint}: the backend's OTLP/gRPC address as {@code host:port}
 * (plaintext), {@code http://host:port} or {@code https://host:port} (TLS). Export is OTLP/gRPC, so
 * a URL path (the {@code /v1/traces} of OTLP/HTTP) or another scheme is refused with the form that
 * works, before {@code run} would fail opening the channel.
 */
final class OtlpEndpoint {

  private static final Pattern URL = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://([^/]*)(/.*)?$");
  private static final String EXPECTED =
      "expected: the backend's OTLP/gRPC address, e.g. collector:4317, or https://collector:4317"
          + " for TLS; export is OTLP/gRPC, without a URL path";

  private OtlpEndpoint() {}

  /** Throws {@code "endpoint: …"} naming the problem and the form that works. */
  static void check(String endpoint) {
    Matcher url = URL.matcher(endpoint);
    String address = endpoint;
    if (url.matches()) {
      String scheme = url.group(1);
      address = url.group(2);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IllegalArgumentException(
            "endpoint: '"
                + endpoint
                + "' has the scheme "
                + scheme
                + ":// (write "
                + address
                + " for plaintext or https://"
                + address
                + " for TLS; "
                + EXPECTED
                + ")");
      }
      String path = url.group(3);
      if (path != null && !path.equals("/")) {
        throw new IllegalArgumentException(
            "endpoint: '"
                + endpoint
                + "' has the path "
                + path
                + " (write "
                + scheme
                + "://"
                + address
                + "; "
                + EXPECTED
                + ")");
      }
    } else if (endpoint.contains("/")) {
      throw new IllegalArgumentException("endpoint: '" + endpoint + "' (" + EXPECTED + ")");
    }
    try {
      HostPort.parse("endpoint", address);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "endpoint: '" + endpoint + "' is not host:port (" + EXPECTED + ")", e);
    }
  }
}
