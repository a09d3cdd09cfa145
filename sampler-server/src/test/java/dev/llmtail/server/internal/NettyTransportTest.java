package dev.llmtail.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class NettyTransportTest {

  @Test
  @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
  void runsOnNativeEpollOnLinuxX86() {
    assertThat(NettyTransport.name()).isEqualTo("epoll");
    assertThat(NettyTransport.serverChannel()).isEqualTo(EpollServerSocketChannel.class);
  }

  @Test
  void namesTheTransportItsChannelsUse() {
    assertThat(NettyTransport.name())
        .isEqualTo(
            NettyTransport.serverChannel() == NioServerSocketChannel.class ? "NIO" : "epoll");
  }
}
