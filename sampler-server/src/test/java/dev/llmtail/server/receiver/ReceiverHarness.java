package dev.llmtail.server.receiver;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.buffer.BufferSettings;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.server.config.BufferConfig;
import dev.llmtail.server.config.HostPort;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Both receivers on loopback port 0 in front of one buffer that keeps everything, with switches for
 * the two backpressure conditions.
 */
public final class ReceiverHarness implements AutoCloseable {

  static final int MAX_BODY = 64 * 1024;

  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final AtomicBoolean bufferFull = new AtomicBoolean();
  final AtomicBoolean exporterFull = new AtomicBoolean();
  final TraceBuffer buffer;
  final OtlpHttpReceiver http;
  final OtlpGrpcReceiver grpc;

  ReceiverHarness() {
    this(1_000_000);
  }

  ReceiverHarness(int maxTraces) {
    buffer = keepAllBuffer(maxTraces, 1L << 30, meters);
    Backpressure backpressure =
        new Backpressure(
            () -> bufferFull.get() ? Long.MAX_VALUE : 0,
            1000,
            exporterFull::get,
            Duration.ofSeconds(2));
    SpanIntake intake = new SpanIntake(buffer, backpressure, meters);
    http =
        new OtlpHttpReceiver(
                new HostPort("127.0.0.1", 0),
                MAX_BODY,
                intake,
                LogIntake.intoBuffer(buffer, untraced -> {}, meters),
                meters)
            .start();
    grpc =
        new OtlpGrpcReceiver(
                new HostPort("127.0.0.1", 0),
                MAX_BODY,
                intake,
                LogIntake.intoBuffer(buffer, untraced -> {}, meters))
            .start();
  }

  double spans(String transport, String result) {
    return meters
        .counter("llmtail.receiver.spans", "transport", transport, "result", result)
        .count();
  }

  double acceptedOrRejected(String transport) {
    return spans(transport, "accepted") + spans(transport, "rejected");
  }

  double invalidRequests(String transport) {
    return meters.counter("llmtail.receiver.requests.invalid", "transport", transport).count();
  }

  @Override
  public void close() {
    http.close();
    grpc.close();
  }

  /**
   * A buffer that keeps every trace it decides and sends nothing anywhere; one trace is limited as
   * the shipped defaults limit it.
   */
  public static TraceBuffer keepAllBuffer(
      int maxTraces, long maxBytes, SimpleMeterRegistry meters) {
    BufferSettings defaults =
        new BufferConfig(null, null, null, null, null, null, null)
            .toSettings(
                new BufferConfig.DecisionCacheConfig(null, null), Runtime.getRuntime().maxMemory());
    DecisionEngine engine =
        new DecisionEngine(
            List.of(new NamedPolicy("all", "test", t -> Verdict.keep("all"))),
            Clock.systemUTC(),
            meters);
    return TraceBuffer.builder()
        .settings(
            new BufferSettings(
                Duration.ofSeconds(10),
                Duration.ofMinutes(5),
                maxTraces,
                maxBytes,
                100,
                Duration.ofMinutes(1),
                defaults.maxTraceSpans(),
                defaults.maxTraceBytes()))
        .engine(() -> engine)
        .listener(DecisionListener.ofDecided((decision, trace) -> {}))
        .meters(meters)
        .build();
  }
}
