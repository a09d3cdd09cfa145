package dev.llmtail.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.NamedPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReloaderTest {

  private static final String HEAD =
      """
      receivers:
        grpc:
          endpoint: 127.0.0.1:0
      exporter:
        otlp:
          endpoint: localhost:4317
      policies:
      """;

  @TempDir Path dir;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ConfigLoader loader = ConfigLoader.withEnvironment(Map.of());
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-27T04:00:00Z"), ZoneOffset.UTC);
  private final List<LogRecord> logged = new ArrayList<>();
  private final Logger jul = Logger.getLogger(ConfigReloader.class.getName());
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          logged.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private Path file;
  private ConfigReloader reloader;

  @BeforeEach
  void start() throws Exception {
    jul.addHandler(capture);
    file = write("  - name: errors\n    type: status_code\n    status_codes: [ERROR]\n");
    reloader = new ConfigReloader(file, loader.load(file), loader, clock, meters);
  }

  @AfterEach
  void stopCapturing() {
    jul.removeHandler(capture);
  }

  private Path write(String policies) throws Exception {
    return Files.writeString(dir.resolve("llmtail.yaml"), HEAD + policies);
  }

  private List<String> activePolicies() {
    return reloader.engine().get().policies().stream().map(NamedPolicy::name).toList();
  }

  private double version() {
    return meters.get("llmtail.config.version").gauge().value();
  }

  private double reloads(String outcome) {
    return meters.get("llmtail.config.reloads").tag("outcome", outcome).counter().count();
  }

  @Test
  void startsAtVersionOneAndIgnoresAnUnchangedFile() {
    assertThat(reloader.check()).isEqualTo(ConfigReloader.Outcome.UNCHANGED);
    assertThat(reloader.active().version()).isEqualTo(1);
    assertThat(reloader.engine().get().configVersion()).isEqualTo(1);
    assertThat(version()).isEqualTo(1);
    assertThat(activePolicies()).containsExactly("errors");
  }

  @Test
  void appliesAValidChangeAsTheNextVersion() throws Exception {
    write("  - name: everything\n    type: always_sample\n");
    assertThat(reloader.check()).isEqualTo(ConfigReloader.Outcome.APPLIED);
    assertThat(reloader.active().version()).isEqualTo(2);
    assertThat(reloader.engine().get().configVersion()).isEqualTo(2);
    assertThat(activePolicies()).containsExactly("everything");
    assertThat(reloader.active().config().policyOptions()).containsOnlyKeys("everything");
    assertThat(version()).isEqualTo(2);
    assertThat(reloads("applied")).isEqualTo(1);
    assertThat(reloader.check()).isEqualTo(ConfigReloader.Outcome.UNCHANGED);
  }

  @Test
  void rejectsAnInvalidChangeLogsEveryErrorAndKeepsTheRunningSet() throws Exception {
    write("  - name: x\n    type: nope\n  - name: slow\n    type: latency\n    threshold: -5s\n");
    assertThat(reloader.check()).isEqualTo(ConfigReloader.Outcome.REJECTED);
    assertThat(activePolicies()).containsExactly("errors");
    assertThat(reloader.active().version()).isEqualTo(1);
    assertThat(reloads("rejected")).isEqualTo(1);
    String problems = reloader.lastRejection().orElseThrow().problems();
    assertThat(problems)
        .contains(file + ":9: policies[0].type: 'nope' is not a policy type")
        .contains(file + ":12:");
    assertThat(logged)
        .singleElement()
        .satisfies(r -> assertThat(r.getLevel()).isEqualTo(java.util.logging.Level.SEVERE))
        .satisfies(r -> assertThat(String.valueOf(r.getParameters()[2])).isEqualTo(problems));

    // The same broken text is not reported again on every check.
    assertThat(reloader.check()).isEqualTo(ConfigReloader.Outcome.UNCHANGED);
    assertThat(logged).hasSize(1);

    // Fixing it applies the fix.
    write("  - name: slow\n    type: latency\n    threshold: 5s\n");
    assertThat(reloader.check()).isEqualTo(ConfigReloader.Outcome.APPLIED);
    assertThat(activePolicies()).containsExactly("slow");
    assertThat(reloader.active().version()).isEqualTo(2);
  }

  @Test
  void keepsRunningWithTheOldSetWhenTheFileDisappears() throws Exception {
    Files.delete(file);
    assertThat(reloader.check()).isEqualTo(ConfigReloader.Outcome.REJECTED);
    assertThat(reloader.lastRejection().orElseThrow().problems())
        .contains("cannot read the config file");
    assertThat(activePolicies()).containsExactly("errors");
  }

  @Test
  void changesOutsideThePoliciesWaitForARestart() throws Exception {
    Files.writeString(
        file,
        HEAD.replace("127.0.0.1:0", "127.0.0.1:7777")
            + "  - name: everything\n    type: always_sample\n");
    assertThat(reloader.check()).isEqualTo(ConfigReloader.Outcome.APPLIED);
    assertThat(activePolicies()).containsExactly("everything");
    assertThat(reloader.active().config().receivers().grpc().endpoint()).isEqualTo("127.0.0.1:0");
    assertThat(logged)
        .anySatisfy(
            r ->
                assertThat(String.valueOf(r.getParameters()[1]))
                    .isEqualTo("receivers.grpc.endpoint"));
    assertThat(reloader.pendingRestart().orElseThrow().keys())
        .containsExactly("receivers.grpc.endpoint");

    // Undone in the file: nothing waits for a restart any more.
    Files.writeString(file, HEAD + "  - name: everything\n    type: always_sample\n");
    assertThat(reloader.check()).isEqualTo(ConfigReloader.Outcome.APPLIED);
    assertThat(reloader.pendingRestart()).isEmpty();
  }
}
