package dev.llmtail.server.receiver;

import dev.llmtail.server.auth.AuthConfig;
import dev.llmtail.server.auth.BearerToken;
import dev.llmtail.server.config.HostPort;
import dev.llmtail.server.config.ReceiversConfig.HttpReceiverConfig;
import dev.llmtail.server.internal.NettyHttp;
import dev.llmtail.server.internal.NettyTransport;
import dev.llmtail.server.tls.ServerTls;
import dev.llmtail.server.tls.ServerTlsConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The OTLP/HTTP receiver: {@code POST /v1/traces} and {@code /v1/logs}, protobuf or JSON, plain or
 * gzip, on Netty's HTTP/1.1 codec (over epoll or NIO, as {@link NettyTransport} finds).
 *
 * <p>Bodies are aggregated up to {@code max_request_size} (a larger {@code Content-Length} is
 * answered 413 before the body is read) and decoded on the I/O threads, each copied once out of
 * Netty's buffers into a reused array (inflated into it, for gzip) and handed back once its spans
 * are admitted. See {@link OtlpHttpHandler} for the status codes. With {@code tls} it speaks only
 * HTTPS (mTLS with {@code client_ca_file}); with {@code auth} a request without the bearer token is
 * answered 401 before its body is decoded.
 */
public final class OtlpHttpReceiver implements AutoCloseable {

  /**
   * I/O threads, which also decode and admit requests; this bounds the requests in flight.
   * Admitting appends to the buffer and, for decided traces, to the exporter's queue; with a span
   * log on disk it also waits for the log's write (and, with {@code storage.sync: always}, for its
   * fsync, shared by the writers of the moment), so other connections of the same thread wait too.
   */
  static final int IO_THREADS = 2;

  private final HostPort address;
  private final EventLoopGroup boss =
      new MultiThreadIoEventLoopGroup(1, NettyTransport.ioHandlers());
  private final EventLoopGroup io =
      new MultiThreadIoEventLoopGroup(IO_THREADS, NettyTransport.ioHandlers());
  private final ServerBootstrap bootstrap;
  private final @Nullable ServerTls tls; // null for plaintext
  private @Nullable Channel channel;

  /** A plaintext receiver without authentication. */
  public OtlpHttpReceiver(
      HostPort address,
      long maxRequestBytes,
      SpanIntake spans,
      LogIntake logs,
      MeterRegistry meters) {
    this(address, maxRequestBytes, ServerTlsConfig.NONE, AuthConfig.NONE, spans, logs, meters);
  }

  /** A receiver as {@code config} says: address, size limit, TLS and bearer token. */
  public OtlpHttpReceiver(
      HttpReceiverConfig config, SpanIntake spans, LogIntake logs, MeterRegistry meters) {
    this(
        HostPort.parse("receivers.http.endpoint", config.endpoint()),
        config.maxRequestSize().bytes(),
        config.tls(),
        config.auth(),
        spans,
        logs,
        meters);
  }

  private OtlpHttpReceiver(
      HostPort address,
      long maxRequestBytes,
      ServerTlsConfig tlsConfig,
      AuthConfig auth,
      SpanIntake spans,
      LogIntake logs,
      MeterRegistry meters) {
    this.address = address;
    OtlpHttpHandler.Metrics metrics = new OtlpHttpHandler.Metrics(meters);
    BearerToken token = auth.token();
    BodyArrays arrays = new BodyArrays();
    this.tls = tlsConfig.enabled() ? ServerTls.load(tlsConfig, "receivers.http") : null;
    this.bootstrap =
        new ServerBootstrap()
            .group(boss, io)
            .channel(NettyTransport.serverChannel())
            .childHandler(
                NettyHttp.pipeline(
                    tls == null ? null : tls.forHttp(),
                    60,
                    (int) maxRequestBytes,
                    () ->
                        new OtlpHttpHandler(
                            (int) maxRequestBytes, arrays, spans, logs, metrics, token)));
  }

  /** Starts listening; throws with the address if the port cannot be bound. */
  public OtlpHttpReceiver start() {
    try {
      channel = bootstrap.bind(address.toSocketAddress()).syncUninterruptibly().channel();
    } catch (Exception e) { // Netty rethrows the checked BindException undeclared
      close();
      throw new UncheckedIOException(
          "cannot listen for OTLP/HTTP on "
              + address.host()
              + ":"
              + address.port()
              + " (is another process using the port? set receivers.http.endpoint)",
          new java.io.IOException(e));
    }
    return this;
  }

  /** The bound port (useful when configured with port 0). */
  public int port() {
    return ((InetSocketAddress) Objects.requireNonNull(channel, "not started").localAddress())
        .getPort();
  }

  /** Stops accepting connections, then waits up to {@code timeoutMillis} for requests in flight. */
  public void shutdown(long timeoutMillis) {
    if (channel != null) {
      channel.close().awaitUninterruptibly(timeoutMillis);
    }
    boss.shutdownGracefully(0, timeoutMillis, TimeUnit.MILLISECONDS);
    io.shutdownGracefully(0, timeoutMillis, TimeUnit.MILLISECONDS);
    io.terminationFuture().awaitUninterruptibly(timeoutMillis);
    if (tls != null) {
      tls.close();
    }
  }

  @Override
  public void close() {
    shutdown(5_000);
  }
}
