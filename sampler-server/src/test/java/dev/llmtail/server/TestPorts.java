package dev.llmtail.server;

import dev.llmtail.server.config.ConfigException;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Config for tests: every port of a sidecar on loopback, chosen by the OS, so tests never collide.
 */
final class TestPorts {

  /**
   * YAML for the admin server and both receivers on 127.0.0.1, port 0; prepend it to a test config.
   */
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

  /** The shipped config, config/llmtail.yaml. */
  static final Path SHIPPED_CONFIG = Path.of("..", "config", "llmtail.yaml");

  /** The variables the shipped config reads its endpoints from, set to 127.0.0.1, port 0. */
  static final Map<String, String> SHIPPED_CONFIG_ON_LOOPBACK =
      Map.of(
          "LLMTAIL_GRPC_ENDPOINT", "127.0.0.1:0",
          "LLMTAIL_HTTP_ENDPOINT", "127.0.0.1:0",
          "LLMTAIL_ADMIN_ENDPOINT", "127.0.0.1:0");

  private TestPorts() {}

  /**
   * The shipped config as it is but for its ports, on loopback, and its quiet period (the shipped
   * 10s would make a test wait); {@code environment} adds or overrides variables it reads.
   */
  static LlmtailConfig shippedConfig(String quietPeriod, Map<String, String> environment)
      throws IOException, ConfigException {
    String shipped = Files.readString(SHIPPED_CONFIG);
    String quick = shipped.replace("quiet_period: 10s", "quiet_period: " + quietPeriod);
    if (quick.equals(shipped) && !quietPeriod.equals("10s")) {
      throw new IllegalStateException(SHIPPED_CONFIG + " no longer says quiet_period: 10s");
    }
    Map<String, String> variables = new HashMap<>(SHIPPED_CONFIG_ON_LOOPBACK);
    // A span log of its own per sidecar: one test's traces must not be recovered by the next.
    variables.put(
        "LLMTAIL_STORAGE_DIRECTORY", Files.createTempDirectory("llmtail-data").toString());
    variables.putAll(environment);
    return ConfigLoader.withEnvironment(variables).parse(SHIPPED_CONFIG, quick);
  }

  /**
   * A config that decides quickly, for tests of what the admin port shows: every port on loopback,
   * a 100ms quiet period, kept traces appended to {@code keptFile}. {@code policies} is the YAML
   * list under {@code policies:} and {@code adminLines} more keys under {@code admin:}, both
   * indented by two spaces.
   */
  static LlmtailConfig quickConfig(Path keptFile, String policies, String adminLines)
      throws ConfigException {
    return quickConfig(keptFile, policies, adminLines, "", Map.of());
  }

  /**
   * As {@link #quickConfig(Path, String, String)}, with a span log in {@code spanLog}: the spans of
   * dropped traces are retained for an hour, so they can be shown and kept on request.
   */
  static LlmtailConfig retainingConfig(Path keptFile, Path spanLog, String policies)
      throws ConfigException {
    return quickConfig(
        keptFile,
        policies,
        "",
        """
        storage:
          directory: ${env:DATA}
          retention: 1h
        """,
        Map.of("DATA", spanLog.toString()));
  }

  private static LlmtailConfig quickConfig(
      Path keptFile,
      String policies,
      String adminLines,
      String storage,
      Map<String, String> environment)
      throws ConfigException {
    String yaml =
        """
        admin:
          endpoint: 127.0.0.1:0
        """
            + adminLines
            + """
            receivers:
              grpc:
                endpoint: 127.0.0.1:0
              http:
                endpoint: 127.0.0.1:0
            buffer:
              quiet_period: 100ms
              max_trace_wait: 1m
            exporter:
              file:
                path: ${env:OUT}
            """
            + storage
            + "policies:\n"
            + policies;
    Map<String, String> variables = new HashMap<>(environment);
    variables.put("OUT", keptFile.toString());
    return ConfigLoader.withEnvironment(variables).parse(Path.of("quick-test.yaml"), yaml);
  }
}
