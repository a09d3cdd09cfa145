package dev.llmtail.server.receiver;

import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.server.auth.AuthConfig;
import dev.llmtail.server.config.ReceiversConfig.GrpcReceiverConfig;
import dev.llmtail.server.config.ReceiversConfig.HttpReceiverConfig;
import dev.llmtail.server.tls.ServerTlsConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Both receivers on loopback port 0 with the same TLS and auth settings, in front of one buffer
 * that keeps everything; and spans for the OpenTelemetry SDK's exporters to send them.
 */
final class SecuredReceivers implements AutoCloseable {

  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final TraceBuffer buffer = ReceiverHarness.keepAllBuffer(1000, 1 << 24, meters);
  final OtlpGrpcReceiver grpc;
  final OtlpHttpReceiver http;

  SecuredReceivers(ServerTlsConfig tls, AuthConfig auth) {
    SpanIntake intake = new SpanIntake(buffer, Backpressure.none(), meters);
    grpc =
        new OtlpGrpcReceiver(
                new GrpcReceiverConfig("127.0.0.1:0", null, tls, auth, null),
                intake,
                LogIntake.intoBuffer(buffer, untraced -> {}, meters),
                false,
                meters)
            .start();
    http =
        new OtlpHttpReceiver(
                new HttpReceiverConfig("127.0.0.1:0", null, tls, auth, null),
                intake,
                LogIntake.intoBuffer(buffer, untraced -> {}, meters),
                meters)
            .start();
  }

  double unauthenticated(String transport) {
    return meters
        .counter("llmtail.receiver.requests.unauthenticated", "transport", transport)
        .count();
  }

  /** One ended server span of a new trace. */
  static List<SpanData> span() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    byte[] traceId = new byte[16];
    byte[] spanId = new byte[8];
    random.nextBytes(traceId);
    random.nextBytes(spanId);
    traceId[0] |= 1;
    spanId[0] |= 1;
    long start = System.currentTimeMillis() * 1_000_000L;
    return List.of(
        TestSpanData.builder()
            .setSpanContext(
                SpanContext.create(
                    HexFormat.of().formatHex(traceId),
                    HexFormat.of().formatHex(spanId),
                    TraceFlags.getSampled(),
                    TraceState.getDefault()))
            .setName("POST /chat")
            .setKind(SpanKind.SERVER)
            .setStartEpochNanos(start)
            .setEndEpochNanos(start + 1_000_000)
            .setHasEnded(true)
            .setStatus(StatusData.unset())
            .setAttributes(Attributes.empty())
            .build());
  }

  @Override
  public void close() {
    grpc.close();
    http.close();
  }
}
