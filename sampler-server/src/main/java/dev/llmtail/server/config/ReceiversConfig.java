package dev.llmtail.server.config;

import dev.llmtail.server.auth.AuthConfig;
import dev.llmtail.server.tls.ServerTlsConfig;

/**
 * The {@code receivers} section: where llmtail listens for OTLP, and ({@code kafka}, absent by
 * default) which Kafka topics it consumes. Each OTLP receiver can be turned off ({@code enabled:
 * false}), e.g. to read only from Kafka; at least one receiver must remain.
 */
public record ReceiversConfig(
    GrpcReceiverConfig grpc, HttpReceiverConfig http, KafkaReceiverConfig kafka) {

  @SuppressWarnings("NullAway") // null picks the defaults, as an absent YAML section does
  public ReceiversConfig {
    grpc = grpc == null ? new GrpcReceiverConfig(null, null, null, null, null) : grpc;
    http = http == null ? new HttpReceiverConfig(null, null, null, null, null) : http;
    if (!grpc.enabled() && !http.enabled() && kafka == null) {
      throw new IllegalArgumentException(
          "grpc.enabled and http.enabled: false, and no kafka section: llmtail would receive"
              + " nothing (expected: at least one receiver; remove an enabled: false or add"
              + " receivers.kafka)");
    }
  }

  /**
   * The {@code receivers.grpc} section.
   *
   * @param endpoint {@code host:port} to listen on; default {@code 0.0.0.0:5317}
   * @param maxMessageSize largest accepted request; default {@code 4MiB} (the Collector's)
   * @param tls certificate (and client CAs for mTLS); default plaintext
   * @param auth bearer token every request must carry; default none
   * @param enabled whether llmtail listens for OTLP/gRPC; default {@code true}
   */
  public record GrpcReceiverConfig(
      String endpoint,
      ByteSize maxMessageSize,
      ServerTlsConfig tls,
      AuthConfig auth,
      Boolean enabled) {
    public GrpcReceiverConfig {
      enabled = enabled == null ? Boolean.TRUE : enabled;
      tls = tls == null ? ServerTlsConfig.NONE : tls;
      auth = auth == null ? AuthConfig.NONE : auth;
      endpoint = endpoint == null ? "0.0.0.0:5317" : endpoint;
      HostPort.parse("endpoint", endpoint);
      maxMessageSize = maxMessageSize == null ? ByteSize.parse("4MiB") : maxMessageSize;
      if (maxMessageSize.bytes() < 1024 || maxMessageSize.bytes() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "max_message_size: " + maxMessageSize + " (expected: between 1KiB and 2GiB)");
      }
    }
  }

  /**
   * The {@code receivers.http} section (OTLP/HTTP).
   *
   * @param endpoint {@code host:port} to listen on; default {@code 0.0.0.0:5318}
   * @param maxRequestSize largest accepted request body, both as sent and after gzip decompression;
   *     default {@code 4MiB}
   * @param tls certificate (and client CAs for mTLS); default plaintext
   * @param auth bearer token every request must carry; default none
   * @param enabled whether llmtail listens for OTLP/HTTP; default {@code true}
   */
  public record HttpReceiverConfig(
      String endpoint,
      ByteSize maxRequestSize,
      ServerTlsConfig tls,
      AuthConfig auth,
      Boolean enabled) {
    public HttpReceiverConfig {
      enabled = enabled == null ? Boolean.TRUE : enabled;
      tls = tls == null ? ServerTlsConfig.NONE : tls;
      auth = auth == null ? AuthConfig.NONE : auth;
      endpoint = endpoint == null ? "0.0.0.0:5318" : endpoint;
      HostPort.parse("endpoint", endpoint);
      maxRequestSize = maxRequestSize == null ? ByteSize.parse("4MiB") : maxRequestSize;
      if (maxRequestSize.bytes() < 1024 || maxRequestSize.bytes() > Integer.MAX_VALUE / 2) {
        throw new IllegalArgumentException(
            "max_request_size: " + maxRequestSize + " (expected: between 1KiB and 1GiB)");
      }
    }
  }
}
