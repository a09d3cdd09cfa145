package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.server.auth.AuthConfig;
import dev.llmtail.server.config.ReceiversConfig.GrpcReceiverConfig;
import dev.llmtail.server.storage.KeepNothingSpanLog;
import dev.llmtail.server.tls.ServerTlsConfig;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which threads the gRPC receiver admits on: its own pool where admitting writes the span log to
 * disk (a transport thread serves every stream of its connection and must not wait on a disk), the
 * transport's thread otherwise (no hand-off, no wake-ups of a pool).
 */
class GrpcReceiverThreadsTest {

  @ParameterizedTest(name = "span log on disk: {0}, file exporter: {1}")
  @CsvSource({"true, false", "false, true", "false, false"})
  void admitsOnThePoolOnlyWhereAdmittingMayWriteADisk(boolean onDisk, boolean fileExporter) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TraceBuffer buffer = ReceiverHarness.keepAllBuffer(1000, 1 << 24, meters);
    ThreadRecordingLog log = new ThreadRecordingLog(onDisk);
    OtlpGrpcReceiver receiver =
        new OtlpGrpcReceiver(
                new GrpcReceiverConfig(
                    "127.0.0.1:0", null, ServerTlsConfig.NONE, AuthConfig.NONE, null),
                new SpanIntake(buffer, log, Backpressure.none(), meters),
                LogIntake.intoBuffer(buffer, log, Backpressure.none(), untraced -> {}, meters),
                fileExporter,
                meters)
            .start();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", receiver.port()).usePlaintext().build();
    try {
      TraceBuilder t = TraceBuilder.trace();
      t.root("POST /chat");
      t.child("chat gpt-4o");
      TraceServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .export(t.request());

      assertThat(buffer.bufferedTraces()).isEqualTo(1);
      if (onDisk || fileExporter) {
        assertThat(log.appendedOn).startsWith("llmtail-grpc-receiver");
      } else {
        assertThat(log.appendedOn).isNotNull().doesNotStartWith("llmtail-grpc-receiver");
      }
    } finally {
      channel.shutdownNow();
      receiver.close();
    }
  }

  /** A span log that keeps nothing and remembers the thread of the last append. */
  private static final class ThreadRecordingLog extends KeepNothingSpanLog {
    private final boolean durable;
    volatile @Nullable String appendedOn;

    ThreadRecordingLog(boolean durable) {
      this.durable = durable;
    }

    @Override
    public boolean durable() {
      return durable;
    }

    @Override
    public List<TraceFragment> append(List<TraceFragment> spans, List<LogFragment> logs) {
      appendedOn = Thread.currentThread().getName();
      return spans;
    }
  }
}
