package dev.llmtail.server.config;

/** The {@code receivers} section: where llmtail listens for OTLP. */
public record ReceiversConfig(GrpcReceiverConfig grpc, HttpReceiverConfig http) {

  public ReceiversConfig {
    grpc = grpc == null ? new GrpcReceiverConfig(null, null) : grpc;
    http = http == null ? new HttpReceiverConfig(null, null) : http;
  }

  /**
   * The {@code receivers.grpc} section.
   *
   * @param endpoint {@code host:port} to listen on; default {@code 0.0.0.0:5317}
   * @param maxMessageSize largest accepted request; default {@code 4MiB} (the Collector's)
   */
  public record GrpcReceiverConfig(String endpoint, ByteSize maxMessageSize) {
    public GrpcReceiverConfig {
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
   */
  public record HttpReceiverConfig(String endpoint, ByteSize maxRequestSize) {
    public HttpReceiverConfig {
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
