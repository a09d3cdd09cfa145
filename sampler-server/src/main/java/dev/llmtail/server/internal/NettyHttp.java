package dev.llmtail.server.internal;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** What llmtail's two HTTP servers (OTLP/HTTP and admin) share on top of Netty's HTTP codec. */
public final class NettyHttp {

  private NettyHttp() {}

  /**
   * A pipeline that reads whole requests of at most {@code maxRequestBytes} (idle connections
   * closed after {@code readTimeoutSeconds}) and hands them to a new {@code handler} per
   * connection.
   */
  public static ChannelInitializer<SocketChannel> pipeline(
      int readTimeoutSeconds, int maxRequestBytes, Supplier<ChannelHandler> handler) {
    return pipeline(null, readTimeoutSeconds, maxRequestBytes, handler);
  }

  /**
   * The same pipeline behind TLS when {@code tls} is not {@code null}: a client that does not
   * complete a TLS handshake never reaches the handler.
   */
  public static ChannelInitializer<SocketChannel> pipeline(
      @Nullable SslContext tls,
      int readTimeoutSeconds,
      int maxRequestBytes,
      Supplier<ChannelHandler> handler) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        if (tls != null) {
          ch.pipeline().addLast(tls.newHandler(ch.alloc()));
        }
        ch.pipeline()
            .addLast(new ReadTimeoutHandler(readTimeoutSeconds, TimeUnit.SECONDS))
            .addLast(new HttpServerCodec())
            .addLast(new HttpObjectAggregator(maxRequestBytes))
            .addLast(handler.get());
      }
    };
  }

  /**
   * Writes {@code response}, keeping the connection open only if the client asked and the request
   * was read whole.
   */
  public static void send(
      ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
    if (HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess()) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(response);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
