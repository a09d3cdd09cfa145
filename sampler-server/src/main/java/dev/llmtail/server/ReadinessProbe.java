package dev.llmtail.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The container image's health check: exits 0 when {@code GET /readyz} on the admin port answers
 * 200, 1 otherwise. It uses only {@code java.base} and a plain socket so that the probe JVM starts
 * in a fraction of a second and the image needs no shell or curl.
 *
 * <p>Arguments: {@code [host [port]]}, default {@code 127.0.0.1 5319}.
 */
final class ReadinessProbe {
  private static final int TIMEOUT_MILLIS = 3_000;

  private ReadinessProbe() {}

  public static void main(String[] args) {
    String host = args.length > 0 ? args[0] : "127.0.0.1";
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 5319;
    System.exit(check(host, port) ? 0 : 1);
  }

  /** Whether {@code GET /readyz} answers 200; says why on stderr when it does not. */
  static boolean check(String host, int port) {
    String status;
    try {
      status = statusLine(host, port);
    } catch (IOException e) {
      System.err.println("llmtail not ready: " + host + ":" + port + ": " + e);
      return false;
    }
    if (status.startsWith("HTTP/1.1 200 ") || status.startsWith("HTTP/1.0 200 ")) {
      return true;
    }
    System.err.println("llmtail not ready: GET /readyz answered " + status);
    return false;
  }

  private static String statusLine(String host, int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /readyz HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int b = in.read(); b != -1 && b != '\n' && line.length() < 200; b = in.read()) {
        line.append((char) b);
      }
      return line.toString().trim();
    }
  }
}
