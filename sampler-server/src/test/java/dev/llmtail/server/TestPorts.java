package dev.llmtail.server;

/** Config for tests: every port of a sidecar on loopback, chosen by the OS, so tests never collide. */
final class TestPorts {

  /** YAML for the admin server and both receivers on 127.0.0.1, port 0; prepend it to a test config. */
  static final String LOOPBACK =
      """
      admin:
        endpoint: 127.0.0.1:0
      receivers:
        grpc:
          endpoint: 127.0.0.1:0
        http:
          endpoint: 127.0.0.1:0
      """;

  private TestPorts() {}
}
