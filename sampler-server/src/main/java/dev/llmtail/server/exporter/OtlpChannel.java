package dev.llmtail.server.exporter;

import dev.llmtail.server.config.ExporterConfig.OtlpExporterConfig;
import dev.llmtail.server.config.HostPort;
import dev.llmtail.server.tls.ClientTls;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;

/**
 * The exporter's connection to its backend: the one place where the gRPC channel is built (address,
 * transport security, see {@link ClientTls}) and where every call gets the configured headers,
 * compression and deadline.
 */
final class OtlpChannel {

  private final OtlpExporterConfig config;
  private final ManagedChannel channel;
  private final Metadata headers = new Metadata();

  OtlpChannel(OtlpExporterConfig config) {
    this.config = config;
    HostPort target = config.target();
    this.channel =
        ClientTls.configure(
                NettyChannelBuilder.forAddress(target.host(), target.port()), config.tls())
            .build();
    config
        .headers()
        .forEach((k, v) -> headers.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
  }

  ManagedChannel channel() {
    return channel;
  }

  /** {@code stub} with the configured headers and compression. */
  <S extends AbstractStub<S>> S configure(S stub) {
    S withHeaders = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    return config.compression().equals("gzip") ? withHeaders.withCompression("gzip") : withHeaders;
  }

  /** {@code stub} with the per-request {@code timeout}, counted from now. */
  <S extends AbstractStub<S>> S withDeadline(S stub) {
    return stub.withDeadlineAfter(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  void close() {
    channel.shutdownNow();
  }
}
