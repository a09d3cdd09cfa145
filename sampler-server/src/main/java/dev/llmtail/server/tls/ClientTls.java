package dev.llmtail.server.tls;

import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import javax.net.ssl.SSLException;

/** Sets up a gRPC channel to the exporter's backend as its {@link ClientTlsConfig} says. */
public final class ClientTls {

  private ClientTls() {}

  /** Plaintext, or TLS with the configured CA, client certificate and server name. */
  public static NettyChannelBuilder configure(NettyChannelBuilder channel, ClientTlsConfig tls) {
    if (!tls.enabled()) {
      return channel.usePlaintext();
    }
    SslContextBuilder ssl =
        GrpcSslContexts.configure(SslContextBuilder.forClient(), TlsProvider.get());
    if (tls.insecureSkipVerify()) {
      ssl.trustManager(InsecureTrustManagerFactory.INSTANCE);
    } else if (!tls.caFile().isEmpty()) {
      ssl.trustManager(PemFiles.certificates("ca_file", tls.caFile()));
    }
    if (!tls.certFile().isEmpty()) {
      PemFiles.Identity identity =
          PemFiles.identity("cert_file", tls.certFile(), "key_file", tls.keyFile());
      ssl.keyManager(identity.key(), identity.chain());
    }
    if (!tls.serverNameOverride().isEmpty()) {
      channel.overrideAuthority(tls.serverNameOverride());
    }
    try {
      return channel.sslContext(ssl.build()).useTransportSecurity();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS to the exporter's backend: " + e, e);
    }
  }
}
