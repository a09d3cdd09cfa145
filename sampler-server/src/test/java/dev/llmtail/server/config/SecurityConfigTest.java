package dev.llmtail.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.llmtail.server.tls.TestCertificates;
import dev.llmtail.server.tls.TestCertificates.Leaf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code tls} and {@code auth} sections: the Collector's key names, files read when the config
 * is loaded, and errors that name the key, the file and the fix.
 */
class SecurityConfigTest {

  private static final String POLICIES =
      "policies:\n  - {name: errors, type: status_code, status_codes: [ERROR]}\n";
  private static final String FILE_EXPORTER = "exporter:\n  file:\n    path: out.jsonl\n";

  @TempDir Path dir;

  private static LlmtailConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.withEnvironment(Map.of())
        .parse(
            Path.of("test.yaml"),
            yaml + POLICIES + (yaml.contains("exporter:") ? "" : FILE_EXPORTER));
  }

  private static String problems(String yaml) {
    try {
      parse(yaml);
    } catch (ConfigException e) {
      return String.join("\n", e.problems());
    }
    return fail("expected a ConfigException, but the config loaded");
  }

  @Test
  void listenersReadTheCollectorsTlsAndAuthKeys() throws Exception {
    TestCertificates ca = TestCertificates.ca(dir, "ca");
    Leaf server = ca.server("server");
    LlmtailConfig config =
        parse(
            """
            receivers:
              grpc:
                tls: {cert_file: %1$s, key_file: %2$s, client_ca_file: %3$s, min_version: "1.3", reload_interval: 30s}
                auth: {bearer_token: 0123456789abcdef}
              http:
                tls: {cert_file: %1$s, key_file: %2$s}
            admin:
              tls: {cert_file: %1$s, key_file: %2$s}
            """
                .formatted(server.cert(), server.key(), ca.caFile()));

    var grpc = config.receivers().grpc();
    assertThat(grpc.tls().enabled()).isTrue();
    assertThat(grpc.tls().clientCaFile()).isEqualTo(ca.caFile().toString());
    assertThat(grpc.tls().minVersion()).isEqualTo("1.3");
    assertThat(grpc.tls().reloadInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(grpc.auth().token().required()).isTrue();
    assertThat(config.receivers().http().tls().minVersion()).isEqualTo("1.2");
    assertThat(config.receivers().http().tls().reloadInterval()).isZero();
    assertThat(config.receivers().http().auth().token().required()).isFalse();
    assertThat(config.admin().tls().enabled()).isTrue();
  }

  @Test
  void aMissingFileIsNamedWithItsKey() {
    assertThat(
            problems(
                """
                receivers:
                  grpc:
                    tls:
                      cert_file: /nonexistent/server.crt
                      key_file: /nonexistent/server.key
                """))
        .isEqualTo(
            "test.yaml:4: receivers.grpc.tls.cert_file: '/nonexistent/server.crt': no such file (expected: a PEM file of certificates)");
  }

  @Test
  void aKeyOfAnotherCertificateIsRefused() {
    TestCertificates ca = TestCertificates.ca(dir, "ca");
    Leaf server = ca.server("server");
    Leaf other = ca.server("other");
    assertThat(
            problems(
                "receivers:\n  http:\n    tls: {cert_file: %s, key_file: %s}\n"
                    .formatted(server.cert(), other.key())))
        .startsWith("test.yaml:3: receivers.http.tls.key_file: '" + other.key())
        .contains("is not the key of the certificate in cert_file '" + server.cert() + "'");
  }

  @Test
  void aKeyThatIsNotPkcs8SaysHowToConvertIt() throws Exception {
    TestCertificates ca = TestCertificates.ca(dir, "ca");
    Leaf server = ca.server("server");
    Path rsa = dir.resolve("old.key");
    Files.writeString(
        rsa, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    assertThat(
            problems(
                "admin:\n  tls: {cert_file: %s, key_file: %s}\n".formatted(server.cert(), rsa)))
        .contains("admin.tls.key_file: '" + rsa + "' holds no unencrypted PKCS#8 key")
        .contains("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void halfATlsSectionOrAnUnknownVersionIsRefused() {
    assertThat(problems("receivers:\n  grpc:\n    tls: {cert_file: server.crt}\n"))
        .isEqualTo(
            "test.yaml:3: receivers.grpc.tls.key_file: missing (expected: cert_file and key_file together, or neither for plaintext)");
    assertThat(problems("receivers:\n  grpc:\n    tls: {client_ca_file: ca.crt}\n"))
        .contains("receivers.grpc.tls.client_ca_file: set without cert_file and key_file");
    assertThat(problems("receivers:\n  grpc:\n    tls: {min_version: \"1.1\"}\n"))
        .contains("receivers.grpc.tls.min_version: '1.1' (expected: 1.2 or 1.3)");
  }

  @Test
  void aShortBearerTokenIsRefusedWithoutBeingRepeated() {
    assertThat(problems("receivers:\n  http:\n    auth: {bearer_token: hunter2}\n"))
        .isEqualTo(
            "test.yaml:3: receivers.http.auth.bearer_token: 7 characters (expected: at least 16, e.g. from openssl rand -hex 16, or empty for no token)");
  }

  @Test
  void exporterTlsIsOnForHttpsOrWhenTheSectionAsksForIt() throws Exception {
    TestCertificates ca = TestCertificates.ca(dir, "ca");
    String withCa =
        "exporter:\n  otlp:\n    endpoint: %s\n    tls: {ca_file: " + ca.caFile() + "}\n";
    assertThat(parse("exporter:\n  otlp:\n    endpoint: backend:4317\n").exporter().otlp().tls())
        .satisfies(t -> assertThat(t.enabled()).as("bare host:port").isFalse());
    assertThat(parse("exporter:\n  otlp:\n    endpoint: https://backend:4317\n"))
        .satisfies(c -> assertThat(c.exporter().otlp().tls().enabled()).isTrue());
    assertThat(parse(withCa.formatted("backend:4317")).exporter().otlp().tls().enabled()).isTrue();
    assertThat(
            parse("exporter:\n  otlp:\n    endpoint: backend:4317\n    tls: {insecure: false}\n")
                .exporter()
                .otlp()
                .tls()
                .enabled())
        .isTrue();
    assertThat(problems(withCa.formatted("http://backend:4317")))
        .contains("is http:// (plaintext) but the tls section asks for TLS");
    assertThat(
            problems(
                "exporter:\n  otlp:\n    endpoint: backend:4317\n    tls: {insecure: true, insecure_skip_verify: true}\n"))
        .contains("exporter.otlp.tls.insecure: true turns TLS off, but");
  }
}
