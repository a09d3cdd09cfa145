package dev.llmtail.server.config;

import java.net.InetSocketAddress;

/** A listen or connect address written {@code host:port} (IPv6 hosts in brackets). */
public record HostPort(String host, int port) {

  /** Parses {@code text} for config key {@code key}; the message names the key on failure. */
  public static HostPort parse(String key, String text) {
    if (text.contains("/")) {
      throw new IllegalArgumentException(
          key
              + ": '"
              + text
              + "' (expected: host:port without a scheme or path, e.g. 0.0.0.0:5317)");
    }
    int colon = text.lastIndexOf(':');
    String host = colon > 0 ? text.substring(0, colon) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = -1;
    if (colon > 0) {
      try {
        port = Integer.parseInt(text.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (host.isEmpty() || port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          key + ": '" + text + "' (expected: host:port with a port 0-65535, e.g. 0.0.0.0:5317)");
    }
    return new HostPort(host, port);
  }

  public InetSocketAddress toSocketAddress() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
