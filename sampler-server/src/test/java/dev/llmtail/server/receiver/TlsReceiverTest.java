package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.llmtail.server.auth.AuthConfig;
import dev.llmtail.server.tls.ServerTlsConfig;
import dev.llmtail.server.tls.TestCertificates;
import dev.llmtail.server.tls.TestCertificates.Leaf;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both receivers with {@code tls}: the OpenTelemetry SDK's OTLP exporters (gRPC and HTTP) send over
 * TLS and mTLS with certificates generated here; plaintext clients, clients without a certificate
 * and clients below {@code min_version} are refused; a rotated certificate is served without a
 * restart.
 */
class TlsReceiverTest {

  @TempDir Path dir;
  private SecuredReceivers receivers;

  @AfterEach
  void stop() {
    if (receivers != null) {
      receivers.close();
    }
  }

  private SecuredReceivers start(ServerTlsConfig tls) {
    receivers = new SecuredReceivers(tls, AuthConfig.NONE);
    return receivers;
  }

  private static boolean sends(SpanExporter exporter) {
    try {
      return exporter.export(SecuredReceivers.span()).join(15, TimeUnit.SECONDS).isSuccess();
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
  }

  private OtlpGrpcSpanExporterBuilder grpcExporter(String scheme) {
    return OtlpGrpcSpanExporter.builder()
        .setEndpoint(scheme + "://localhost:" + receivers.grpc.port())
        .setTimeout(Duration.ofSeconds(10));
  }

  private OtlpHttpSpanExporterBuilder httpExporter(String scheme) {
    return OtlpHttpSpanExporter.builder()
        .setEndpoint(scheme + "://localhost:" + receivers.http.port() + "/v1/traces")
        .setTimeout(Duration.ofSeconds(10));
  }

  @Test
  void sdkExportersSendOverTlsToBothReceivers() throws IOException {
    TestCertificates ca = TestCertificates.ca(dir, "ca");
    Leaf server = ca.server("server");
    start(new ServerTlsConfig(server.cert(), server.key(), null, null, null));
    byte[] trusted = Files.readAllBytes(ca.caFile());

    assertThat(sends(grpcExporter("https").setTrustedCertificates(trusted).build())).isTrue();
    assertThat(sends(httpExporter("https").setTrustedCertificates(trusted).build())).isTrue();
    assertThat(receivers.buffer.bufferedTraces()).isEqualTo(2);
  }

  @Test
  void mtlsAdmitsOnlyClientsWithACertificateFromTheClientCa() throws IOException {
    TestCertificates ca = TestCertificates.ca(dir, "ca");
    TestCertificates clientCa = TestCertificates.ca(dir, "client-ca");
    TestCertificates stranger = TestCertificates.ca(dir, "stranger-ca");
    Leaf server = ca.server("server");
    Leaf client = clientCa.leaf("client");
    Leaf impostor = stranger.leaf("impostor");
    start(
        new ServerTlsConfig(server.cert(), server.key(), clientCa.caFile().toString(), null, null));
    byte[] trusted = Files.readAllBytes(ca.caFile());
    byte[] clientKey = Files.readAllBytes(client.keyFile());
    byte[] clientCert = Files.readAllBytes(client.certFile());

    assertThat(
            sends(
                grpcExporter("https")
                    .setTrustedCertificates(trusted)
                    .setClientTls(clientKey, clientCert)
                    .build()))
        .isTrue();
    assertThat(
            sends(
                httpExporter("https")
                    .setTrustedCertificates(trusted)
                    .setClientTls(clientKey, clientCert)
                    .build()))
        .isTrue();
    assertThat(sends(grpcExporter("https").setTrustedCertificates(trusted).build()))
        .as("no client certificate")
        .isFalse();
    assertThat(sends(httpExporter("https").setTrustedCertificates(trusted).build()))
        .as("no client certificate")
        .isFalse();
    assertThat(
            sends(
                grpcExporter("https")
                    .setTrustedCertificates(trusted)
                    .setClientTls(
                        Files.readAllBytes(impostor.keyFile()),
                        Files.readAllBytes(impostor.certFile()))
                    .build()))
        .as("a client certificate from another CA")
        .isFalse();
    assertThat(receivers.buffer.bufferedTraces()).isEqualTo(2);
  }

  @Test
  void plaintextClientsAreRefusedByATlsReceiver() {
    TestCertificates ca = TestCertificates.ca(dir, "ca");
    Leaf server = ca.server("server");
    start(new ServerTlsConfig(server.cert(), server.key(), null, null, null));

    assertThat(sends(grpcExporter("http").build())).isFalse();
    assertThat(sends(httpExporter("http").build())).isFalse();
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThatThrownBy(
            () ->
                plain.send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + receivers.http.port() + "/v1/traces"))
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0]))
                        .header("Content-Type", "application/x-protobuf")
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
    assertThat(receivers.buffer.bufferedTraces()).isZero();
  }

  @Test
  void aRotatedCertificateIsServedWithoutARestart() throws Exception {
    TestCertificates ca = TestCertificates.ca(dir, "ca");
    Leaf first = ca.server("server");
    start(new ServerTlsConfig(first.cert(), first.key(), null, null, Duration.ofMillis(100)));
    assertThat(servedSerial(receivers.grpc.port(), "TLSv1.3"))
        .isEqualTo(first.certificate().getSerialNumber());
    assertThat(servedSerial(receivers.http.port(), "TLSv1.3"))
        .isEqualTo(first.certificate().getSerialNumber());

    Leaf second = ca.server("server"); // the same two files, rewritten
    assertThat(second.certificate().getSerialNumber())
        .isNotEqualTo(first.certificate().getSerialNumber());

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(servedSerial(receivers.grpc.port(), "TLSv1.3"))
                  .isEqualTo(second.certificate().getSerialNumber());
              assertThat(servedSerial(receivers.http.port(), "TLSv1.3"))
                  .isEqualTo(second.certificate().getSerialNumber());
            });
    assertThat(
            sends(
                grpcExporter("https")
                    .setTrustedCertificates(Files.readAllBytes(ca.caFile()))
                    .build()))
        .isTrue();
  }

  @Test
  void minVersionRefusesOlderProtocols() throws Exception {
    TestCertificates ca = TestCertificates.ca(dir, "ca");
    Leaf server = ca.server("server");
    start(new ServerTlsConfig(server.cert(), server.key(), null, "1.3", null));

    assertThat(servedSerial(receivers.http.port(), "TLSv1.3"))
        .isEqualTo(server.certificate().getSerialNumber());
    assertThatThrownBy(() -> servedSerial(receivers.http.port(), "TLSv1.2"))
        .isInstanceOf(SSLHandshakeException.class);
    assertThatThrownBy(() -> servedSerial(receivers.grpc.port(), "TLSv1.2"))
        .isInstanceOf(SSLHandshakeException.class);
  }

  /** The serial number of the certificate a TLS handshake with {@code protocol} is shown. */
  private static BigInteger servedSerial(int port, String protocol) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new TrustingAll()}, new SecureRandom());
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {protocol});
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  /** Trusts whatever it is shown: the tests read the certificate, they do not judge it. */
  private static final class TrustingAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
