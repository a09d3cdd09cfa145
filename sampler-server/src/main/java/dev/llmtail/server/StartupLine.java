package dev.llmtail.server;

import dev.llmtail.server.config.ByteSize;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.server.internal.NettyTransport;
import dev.llmtail.server.receiver.OtlpGrpcReceiver;
import dev.llmtail.server.receiver.OtlpHttpReceiver;
import dev.llmtail.server.receiver.kafka.KafkaReceiver;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The one log line a started sidecar writes: what it listens on (and over which Netty transport,
 * epoll or NIO), where kept traces go, and how many span bytes the buffer holds (buffer.max_bytes
 * as resolved, a share of the heap in bytes).
 */
final class StartupLine {

  private static final System.Logger LOG = System.getLogger(Sidecar.class.getName());

  private StartupLine() {}

  /** Logs the start-up line for the given receivers (null when off) and admin port. */
  static void log(
      LlmtailConfig config,
      @Nullable OtlpGrpcReceiver grpc,
      @Nullable OtlpHttpReceiver http,
      @Nullable KafkaReceiver kafka,
      int adminPort) {
    LOG.log(
        System.Logger.Level.INFO,
        "llmtail listening for {0}, admin HTTP on port {1} (network I/O on {6}); {2} policies from"
            + " {3}; kept traces go to {4}; {5}",
        receiving(config, grpc, http, kafka),
        String.valueOf(adminPort),
        String.valueOf(config.policies().size()),
        config.source(),
        config.exporter().destination(),
        bufferBound(config),
        NettyTransport.name());
  }

  /** buffer.max_bytes as resolved: a share of the heap is a number of bytes by now. */
  private static String bufferBound(LlmtailConfig config) {
    return "the buffer holds up to "
        + new ByteSize(config.buffer().maxBytes())
        + " of spans (buffer.max_bytes; max heap "
        + (Runtime.getRuntime().maxMemory() >> 20)
        + "MiB)";
  }

  /** What it receives, for the start-up line: each OTLP port, or off, and the Kafka topics. */
  private static String receiving(
      LlmtailConfig config,
      @Nullable OtlpGrpcReceiver grpc,
      @Nullable OtlpHttpReceiver http,
      @Nullable KafkaReceiver kafka) {
    List<String> parts = new ArrayList<>();
    parts.add(grpc == null ? "OTLP/gRPC off" : "OTLP/gRPC on port " + grpc.port());
    parts.add(http == null ? "OTLP/HTTP off" : "OTLP/HTTP on port " + http.port());
    if (kafka != null) {
      var k = config.receivers().kafka();
      parts.add(
          "Kafka topics "
              + k.traces().topic()
              + " and "
              + k.logs().topic()
              + " as group "
              + k.groupId());
    }
    return String.join(", ", parts);
  }
}
