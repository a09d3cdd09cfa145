package dev.llmtail.server.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.status.SpanSource;
import dev.llmtail.core.status.TraceStatusLookup;
import dev.llmtail.server.auth.BearerToken;
import dev.llmtail.server.config.AdminConfig;
import dev.llmtail.server.config.ConfigReloader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.server.exporter.ExportStatus;
import dev.llmtail.server.internal.NettyHttp;
import dev.llmtail.server.internal.NettyTransport;
import dev.llmtail.server.promotion.TracePromoter;
import dev.llmtail.server.storage.SpanLog;
import dev.llmtail.server.tls.ServerTls;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The admin HTTP server (default port 5319) on Netty's HTTP codec: {@code /debug} (page and API),
 * {@code /metrics}, {@code /healthz}, {@code /readyz}. One event-loop thread serves it: every
 * answer is computed from in-memory state in well under a millisecond, except a metrics scrape.
 * Requests are small GETs (and the POSTs that keep a dropped trace); bodies above 64 KiB are
 * refused by the aggregator and idle connections are closed after 30 s. It listens on loopback
 * unless {@code admin.endpoint} says otherwise; beyond loopback {@code /debug} data needs {@code
 * admin.bearer_token} ({@link DebugAccess}); with {@code admin.tls} it speaks only HTTPS.
 */
public final class AdminServer implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(AdminServer.class.getName());
  private static final int MAX_REQUEST_BYTES = 64 * 1024;

  private final InetSocketAddress address;
  private final AdminRoutes routes;
  private final EventLoopGroup group;
  private final @Nullable ServerTls tls; // null for plaintext
  private final DebugAccess access;
  private @Nullable Channel channel;

  /**
   * @param reloader the config as it is reloaded: {@code /debug/config} shows the active version
   *     and the last rejected change; {@code null} shows {@code config} as it is
   * @param buffer answers for traces still waiting, or decided a moment ago
   * @param ready whether the receivers listen (answers {@code /readyz})
   * @param export whether kept traces reach their destination: heads {@code /debug/config}
   * @param kept the spans of recently kept traces, for their waterfall ({@link KeptSpans})
   * @param spanLog {@code /debug} says until when a dropped trace's spans are held; {@code /readyz}
   *     fails while the log refuses data
   * @param retained the spans of dropped traces the span log still holds, for their waterfall
   * @param promoter answers {@code POST /debug/traces/{id}/keep} and {@code POST
   *     /debug/conversations/{id}/keep}
   */
  public AdminServer(
      LlmtailConfig config,
      @Nullable ConfigReloader reloader,
      DecisionLog log,
      TraceBuffer buffer,
      PrometheusMeterRegistry prometheus,
      BooleanSupplier ready,
      Clock clock,
      Supplier<ExportStatus> export,
      SpanSource kept,
      SpanLog spanLog,
      SpanSource retained,
      TracePromoter promoter) {
    AdminConfig admin = config.admin();
    ObjectNode fixed = ConfigView.of(config);
    Supplier<ObjectNode> view =
        ExportView.heading(
            reloader == null ? () -> fixed : () -> ConfigView.of(reloader), export, clock);
    this.address = admin.address().toSocketAddress();
    this.access = new DebugAccess(new BearerToken(admin.bearerToken()), admin.loopbackOnly());
    this.routes =
        new AdminRoutes(
            new DebugApi(
                log,
                new TraceStatusLookup(buffer, log)::status,
                spanSources(buffer, kept, retained),
                spanLog,
                clock,
                admin.showMessageContent(),
                () ->
                    (reloader == null ? config : reloader.active().config())
                        .policies().stream().map(NamedPolicy::name).toList(),
                promoter::lateEvidenceNote),
            access,
            prometheus,
            ready,
            spanLog::refusal,
            view,
            KeepApi.of(promoter));
    this.tls = admin.tls().enabled() ? ServerTls.load(admin.tls(), "admin") : null;
    this.group =
        new MultiThreadIoEventLoopGroup(
            1,
            r -> {
              Thread t = new Thread(r, "llmtail-admin");
              t.setDaemon(true);
              return t;
            },
            NettyTransport.ioHandlers());
  }

  /** Where a trace's spans may still be read, in the order they are asked. */
  private static Map<String, SpanSource> spanSources(
      TraceBuffer buffer, SpanSource kept, SpanSource retained) {
    Map<String, SpanSource> sources = new LinkedHashMap<>();
    sources.put("buffered", buffer::bufferedSpans);
    sources.put("kept", kept);
    sources.put("retained", retained); // dropped traces' spans in the span log
    return sources;
  }

  /** Starts listening; throws naming the address and the config key if the port is taken. */
  public AdminServer start() {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NettyTransport.serverChannel())
            .childHandler(
                NettyHttp.pipeline(
                    tls == null ? null : tls.forHttp(),
                    30,
                    MAX_REQUEST_BYTES,
                    () -> new Handler(routes)));
    try {
      channel = bootstrap.bind(address).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IllegalStateException(
          "interrupted while binding the admin server to " + address, e);
    } catch (Exception e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      if (e instanceof BindException || e.getCause() instanceof BindException) {
        throw new UncheckedIOException(
            "cannot listen for admin HTTP on "
                + address
                + " (is another process using the port? set admin.endpoint)",
            new java.io.IOException(e));
      }
      throw e;
    }
    if (access.closed()) {
      LOG.log(
          System.Logger.Level.WARNING,
          "admin listens on {0}, beyond loopback, without admin.bearer_token: /debug data is refused"
              + " (set admin.bearer_token to read it; /healthz, /readyz and /metrics stay open)",
          address);
    }
    return this;
  }

  /** The bound port (useful when configured with port 0). */
  public int port() {
    return channel == null ? -1 : ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    if (tls != null) {
      tls.close();
    }
  }

  /** Turns each aggregated request into a route call and writes the answer. */
  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final AdminRoutes routes;

    Handler(AdminRoutes routes) {
      this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      AdminResponse answer;
      if (!request.decoderResult().isSuccess()) {
        answer = DebugApi.error(400, "malformed HTTP request: " + request.decoderResult().cause());
      } else {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        try {
          answer =
              routes.handle(
                  request.method().name(),
                  uri.path(),
                  uri.parameters(),
                  request.headers().get(HttpHeaderNames.AUTHORIZATION),
                  request.headers()::get);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.ERROR, "admin request " + request.uri() + " failed", e);
          answer = DebugApi.error(500, "internal error answering " + uri.path() + ": " + e);
        }
      }
      boolean head = request.method().equals(HttpMethod.HEAD);
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(answer.status()),
              head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(answer.body()));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length);
      response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
      response.headers().set("X-Content-Type-Options", "nosniff");
      for (Map.Entry<String, String> h : answer.headers().entrySet()) {
        response.headers().set(h.getKey(), h.getValue());
      }
      NettyHttp.send(ctx, request, response);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A client that resets or idles out is not an error of ours; close and forget the connection.
      LOG.log(System.Logger.Level.DEBUG, "admin connection closed: " + cause);
      ctx.close();
    }
  }
}
