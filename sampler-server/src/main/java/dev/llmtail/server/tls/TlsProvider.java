package dev.llmtail.server.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * Which TLS implementation llmtail's listeners and exporter use: BoringSSL through netty-tcnative
 * when its native library loads (Linux x86_64, a writable temporary directory), the JDK's
 * otherwise. Measured on the 2-core build machine, BoringSSL did more handshakes and more MB/s of
 * OTLP/gRPC in most warm rounds (docs/operations.md); both speak the same protocols and ciphers
 * here, so the fallback changes speed, not behaviour.
 */
final class TlsProvider {

  private TlsProvider() {}

  static SslProvider get() {
    return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
  }
}
