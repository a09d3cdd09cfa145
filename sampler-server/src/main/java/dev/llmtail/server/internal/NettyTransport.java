package dev.llmtail.server.internal;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * Which Netty transport llmtail's HTTP servers (OTLP/HTTP and admin) run on: the native epoll
 * transport where its library loads (Linux x86_64 with a writable temporary directory, unless
 * {@code -Dio.netty.transport.noNative=true}), NIO elsewhere, with no error either way.
 *
 * <p>gRPC's server and the exporter's channel make the same choice by themselves (grpc-netty uses
 * epoll when {@link Epoll#isAvailable()}), so every listener and the exporter share one transport,
 * which {@link #name()} reports for the start-up line. Epoll reads and writes the sockets with
 * fewer system calls and wake-ups than NIO's selector; docs/performance.md ("The transport's kernel
 * cost") has the measurements.
 */
public final class NettyTransport {

  private NettyTransport() {}

  /** True where the native epoll transport is used. */
  public static boolean epoll() {
    return Epoll.isAvailable();
  }

  /** Event loops' I/O handlers on this transport. */
  public static IoHandlerFactory ioHandlers() {
    return epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  /** The listening socket's channel class on this transport. */
  public static Class<? extends ServerChannel> serverChannel() {
    return epoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The transport's name for the start-up line: {@code epoll} or {@code NIO}. */
  public static String name() {
    return epoll() ? "epoll" : "NIO";
  }
}
