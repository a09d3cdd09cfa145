package dev.llmtail.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code admin} section: defaults, and errors that name the key and what is allowed. */
class AdminConfigTest {

  private static final String POLICIES =
      "policies:\n  - {name: errors, type: status_code, status_codes: [ERROR]}\n";
  private static final String EXPORTER = "exporter:\n  file:\n    path: out.jsonl\n";

  private static LlmtailConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.withEnvironment(Map.of())
        .parse(Path.of("test.yaml"), yaml + POLICIES + EXPORTER);
  }

  private static ConfigException problems(String yaml) {
    try {
      parse(yaml);
    } catch (ConfigException e) {
      return e;
    }
    return fail("expected a ConfigException, but the config loaded");
  }

  @Test
  void defaultsListenOnLoopback5319WithoutTokenOrContent() throws Exception {
    AdminConfig admin = parse("").admin();
    assertThat(admin.endpoint()).isEqualTo("localhost:5319");
    assertThat(admin.loopbackOnly()).isTrue();
    assertThat(admin.tls().enabled()).isFalse();
    assertThat(admin.bearerToken()).isEmpty();
    assertThat(admin.showMessageContent()).isFalse();
    assertThat(admin.decisionLog().maxEntries()).isEqualTo(50_000);
    assertThat(admin.decisionLog().maxAge()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void everyKeyCanBeSet() throws Exception {
    AdminConfig admin =
        parse(
                """
                admin:
                  endpoint: 127.0.0.1:9000
                  bearer_token: abcdefghijklmnopqrstuvwxyz
                  show_message_content: true
                  decision_log:
                    max_entries: 10
                    max_age: 15m
                """)
            .admin();
    assertThat(admin.address()).isEqualTo(new HostPort("127.0.0.1", 9000));
    assertThat(admin.loopbackOnly()).isTrue();
    assertThat(admin.showMessageContent()).isTrue();
    assertThat(admin.decisionLog().maxEntries()).isEqualTo(10);
    assertThat(admin.decisionLog().maxAge()).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void badValuesAreReportedByKey() {
    assertThat(problems("admin:\n  endpoint: nowhere\n").problems())
        .containsExactly(
            "test.yaml:2: admin.endpoint: 'nowhere' (expected: host:port with a port 0-65535, e.g. 0.0.0.0:5317)");
    assertThat(problems("admin:\n  bearer_token: short\n").problems())
        .singleElement()
        .asString()
        .startsWith("test.yaml:2: admin.bearer_token: 5 characters (expected: at least 16");
    assertThat(problems("admin:\n  decision_log:\n    max_entries: 0\n").problems())
        .containsExactly("test.yaml:3: admin.decision_log.max_entries: 0 (expected: >= 1)");
    assertThat(problems("admin:\n  debug: true\n").problems())
        .singleElement()
        .asString()
        .contains(
            "admin.debug: unknown key (allowed here: bearer_token, decision_log, endpoint, show_message_content, tls)");
  }
}
