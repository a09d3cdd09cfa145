package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.ExporterConfig.OtlpExporterConfig;
import dev.llmtail.server.config.ExporterConfig.RetryConfig;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.server.exporter.OtlpGrpcExporter;
import dev.llmtail.server.tls.ClientTlsConfig;
import dev.llmtail.server.tls.TestCertificates;
import dev.llmtail.server.tls.TestCertificates.Leaf;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * llmtail's OTLP exporter sends to an llmtail whose gRPC receiver requires mTLS: with the CA, a
 * client certificate and {@code server_name_override} the trace arrives and is kept; without the
 * client certificate the handshake fails and the spans are counted as failed. The admin server of
 * that llmtail answers over HTTPS only.
 */
class TlsEndToEndTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private TestCertificates serverCa;
  private Leaf client;
  private Sidecar receiving;
  private OtlpGrpcExporter exporter;
  private final SimpleMeterRegistry exporterMeters = new SimpleMeterRegistry();

  @BeforeEach
  void start() throws Exception {
    serverCa = TestCertificates.ca(dir, "server-ca");
    TestCertificates clientCa = TestCertificates.ca(dir, "client-ca");
    // A certificate for a name the endpoint does not carry: server_name_override must say it.
    Leaf server = serverCa.leaf("server", "llmtail.test");
    client = clientCa.leaf("client");
    String yaml =
        """
        admin:
          endpoint: 127.0.0.1:0
          tls: {cert_file: %1$s, key_file: %2$s}
        receivers:
          grpc:
            endpoint: 127.0.0.1:0
            tls: {cert_file: %1$s, key_file: %2$s, client_ca_file: %3$s}
          http:
            endpoint: 127.0.0.1:0
        buffer:
          quiet_period: 100ms
        exporter:
          file:
            path: %4$s
        policies:
          - {name: all, type: always_sample}
        """
            .formatted(server.cert(), server.key(), clientCa.caFile(), dir.resolve("kept.jsonl"));
    LlmtailConfig config = ConfigLoader.withEnvironment(Map.of()).parse(Path.of("tls.yaml"), yaml);
    receiving =
        Sidecar.start(
            config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    if (exporter != null) {
      exporter.shutdown(Duration.ofMillis(500));
    }
    receiving.close();
  }

  private OtlpGrpcExporter exporter(ClientTlsConfig tls) {
    exporter =
        new OtlpGrpcExporter(
            new OtlpExporterConfig(
                "127.0.0.1:" + receiving.grpcPort(),
                null,
                null,
                null,
                Duration.ofSeconds(5),
                null,
                null,
                null,
                Duration.ofMillis(10),
                new RetryConfig(
                    Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(1)),
                null,
                tls),
            exporterMeters);
    return exporter;
  }

  private static TraceBuilder trace() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    t.child("chat gpt-4o");
    return t;
  }

  private String kept() throws Exception {
    Path file = dir.resolve("kept.jsonl");
    return Files.exists(file) ? Files.readString(file) : "";
  }

  @Test
  void exporterSendsOverMtlsWithServerNameOverride() throws Exception {
    TraceBuilder t = trace();
    exporter(
            new ClientTlsConfig(
                null,
                serverCa.caFile().toString(),
                client.cert(),
                client.key(),
                null,
                "llmtail.test"))
        .export(List.of(t.resourceSpans()), 2);

    await().atMost(WAIT).until(() -> kept().contains(t.traceIdHex()));
  }

  @Test
  void adminAnswersProbesOverHttpsOnly() throws Exception {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    trusted.load(null, null);
    try (InputStream in = Files.newInputStream(serverCa.caFile())) {
      trusted.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", receiving.adminPort())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              "GET /healthz HTTP/1.1\r\nHost: llmtail.test\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 200 OK").endsWith("ok\n");
    }
    assertThat(ReadinessProbe.check("127.0.0.1", receiving.adminPort()))
        .as("a plaintext request")
        .isFalse();
  }

  @Test
  void withoutAClientCertificateTheSpansFailAndNothingArrives() throws Exception {
    TraceBuilder t = trace();
    exporter(
            new ClientTlsConfig(
                null, serverCa.caFile().toString(), null, null, null, "llmtail.test"))
        .export(List.of(t.resourceSpans()), 2);

    await()
        .atMost(WAIT)
        .until(
            () ->
                exporterMeters
                        .counter("llmtail.exporter.spans", "exporter", "otlp", "result", "failed")
                        .count()
                    == 2);
    assertThat(kept()).doesNotContain(t.traceIdHex());
  }
}
