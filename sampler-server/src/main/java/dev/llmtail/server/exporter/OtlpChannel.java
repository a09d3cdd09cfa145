package dev.llmtail.server.exporter;

import dev.llmtail.server.config.ExporterConfig.OtlpExporterConfig;
import dev.llmtail.server.config.HostPort;
import dev.llmtail.server.tls.ClientTls;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The exporter's connection to its backend: the one place where the gRPC channel is built (address,
 * transport security, see {@link ClientTls}, gzip at the configured level, see {@link GzipAtLevel})
 * and where every call gets the configured headers, compression and deadline.
 *
 * <p>A call blocks its sender thread until the answer, like a blocking stub, but the answer is
 * taken on the transport's thread ({@link #DIRECT}) and wakes the sender once: a blocking stub
 * hands every event of the call (headers, message, close) to the waiting thread, a wake-up each,
 * and on a small machine the wake-ups cost more than the call.
 *
 * <p>The sender makes a call or two a second per kept trace batch, too few for the JIT to compile
 * its path: each call runs mostly interpreted, so the call is made with as few layers as gRPC
 * allows. The answer is one {@link Answer} the sender parks on (not grpc-java's {@code
 * futureUnaryCall}, a Guava future and a listener adapter per call), and the configured headers are
 * merged into each call's metadata (not an interceptor, a forwarding call per call).
 */
final class OtlpChannel {

  /** Runs a call's callbacks where they arrive: they only complete the call's future. */
  private static final Executor DIRECT = Runnable::run;

  private final OtlpExporterConfig config;
  private final ManagedChannel channel;
  private final Metadata headers;
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
    this.headers = new Metadata();
    config
        .headers()
        .forEach((k, v) -> headers.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    CallOptions direct = CallOptions.DEFAULT.withExecutor(DIRECT);
    this.options = config.compression().equals("gzip") ? direct.withCompression("gzip") : direct;
  }

  /**
   * Sends {@code request} with the configured headers, compression and per-request {@code timeout},
   * counted from now, and waits for the answer; a failure is thrown as gRPC's {@link
   * StatusRuntimeException} (an interrupt as {@code CANCELLED}, with the thread's flag kept).
   */
  <Q, R> R call(MethodDescriptor<Q, R> method, Q request) {
    ClientCall<Q, R> call =
        channel.newCall(
            method, options.withDeadlineAfter(config.timeout().toMillis(), TimeUnit.MILLISECONDS));
    Answer<R> answer = new Answer<>(Thread.currentThread());
    Metadata callHeaders = new Metadata(); // gRPC adds to it: one per call
    callHeaders.merge(headers);
    call.start(answer, callHeaders);
    call.request(2); // as grpc-java's unary calls: a second message must not hold back the close
    try {
      call.sendMessage(request);
      call.halfClose();
    } catch (RuntimeException | Error e) {
      call.cancel("the request could not be sent", e);
      throw e;
    }
    return answer.await(call);
  }

  /**
   * The answer to one call, set on the transport's thread and read by the sender, which it wakes
   * once the call closed. {@code closed} is written last and read first: it publishes the others.
   */
  private static final class Answer<R> extends ClientCall.Listener<R> {

    private final Thread sender;
    private @Nullable R response;
    private @Nullable Status status;
    private @Nullable Metadata trailers;
    private volatile boolean closed;

    Answer(Thread sender) {
      this.sender = sender;
    }

    @Override
    public void onMessage(R message) {
      response = message;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      this.status = status;
      this.trailers = trailers;
      closed = true;
      LockSupport.unpark(sender);
    }

    /**
     * The response, or the failure as gRPC's {@link StatusRuntimeException} (an interrupt as {@code
     * CANCELLED}, with the thread's flag kept).
     */
    R await(ClientCall<?, R> call) {
      while (!closed) {
        LockSupport.park(this);
        if (Thread.interrupted()) {
          call.cancel("interrupted", null);
          Thread.currentThread().interrupt();
          throw Status.CANCELLED
              .withDescription("the export was interrupted (shutdown deadline)")
              .asRuntimeException();
        }
      }
      Status closedWith = Objects.requireNonNull(status, "closed without a status");
      if (!closedWith.isOk()) {
        throw closedWith.asRuntimeException(trailers); // with its trailers: the backend's RetryInfo
      }
      if (response == null) {
        throw Status.INTERNAL
            .withDescription("the backend answered without a message")
            .asRuntimeException();
      }
      return response;
    }
  }

  void close() {
    channel.shutdownNow();
  }
}
