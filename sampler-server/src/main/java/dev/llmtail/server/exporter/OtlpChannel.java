package dev.llmtail.server.exporter;

import dev.llmtail.server.config.ExporterConfig.OtlpExporterConfig;
import dev.llmtail.server.config.HostPort;
import dev.llmtail.server.tls.ClientTls;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The exporter's connection to its backend: the one place where the gRPC channel is built (address,
 * transport security, see {@link ClientTls}, gzip at the configured level, see {@link GzipAtLevel})
 * and where every call gets the configured headers, compression and deadline.
 *
 * <p>A call blocks its sender thread until the answer, like a blocking stub, but the answer is
 * taken on the transport's thread ({@link #DIRECT}) and wakes the sender once: a blocking stub
 * hands every event of the call (headers, message, close) to the waiting thread, a wake-up each,
 * and on a small machine the wake-ups cost more than the call.
 */
final class OtlpChannel {

  /** Runs a call's callbacks where they arrive: they only complete the call's future. */
  private static final Executor DIRECT = Runnable::run;

  private final OtlpExporterConfig config;
  private final ManagedChannel channel;
  private final Channel withHeaders;
  private final CallOptions options;

  OtlpChannel(OtlpExporterConfig config) {
    this.config = config;
    HostPort target = config.target();
    this.channel =
        ClientTls.configure(
                NettyChannelBuilder.forAddress(target.host(), target.port())
                    .compressorRegistry(GzipAtLevel.registry(config.compressionParams().level())),
                config.tls())
            .build();
    Metadata headers = new Metadata();
    config
        .headers()
        .forEach((k, v) -> headers.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    this.withHeaders =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    CallOptions direct = CallOptions.DEFAULT.withExecutor(DIRECT);
    this.options = config.compression().equals("gzip") ? direct.withCompression("gzip") : direct;
  }

  /**
   * Sends {@code request} with the configured headers, compression and per-request {@code timeout},
   * counted from now, and waits for the answer; a failure is thrown as gRPC's {@link
   * StatusRuntimeException} (an interrupt as {@code CANCELLED}, with the thread's flag kept).
   */
  <Q, R> R call(MethodDescriptor<Q, R> method, Q request) {
    Future<R> answer =
        ClientCalls.futureUnaryCall(
            withHeaders.newCall(
                method,
                options.withDeadlineAfter(config.timeout().toMillis(), TimeUnit.MILLISECONDS)),
            request);
    try {
      return answer.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException failed) {
        throw failed; // with its trailers: the backend's RetryInfo
      }
      throw Status.fromThrowable(e.getCause()).asRuntimeException();
    } catch (InterruptedException e) {
      answer.cancel(true);
      Thread.currentThread().interrupt();
      throw Status.CANCELLED
          .withDescription("the export was interrupted (shutdown deadline)")
          .withCause(e)
          .asRuntimeException();
    }
  }

  void close() {
    channel.shutdownNow();
  }
}
