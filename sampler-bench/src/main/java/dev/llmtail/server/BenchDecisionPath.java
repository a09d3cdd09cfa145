package dev.llmtail.server;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.server.exporter.SpanExporter;
import dev.llmtail.server.storage.SpanLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;

/**
 * The sidecar's decision path without its receivers and threads, for {@code DecisionPathCpuTime}: a
 * {@link TraceBuffer} wired as {@link Sidecar} wires it — its meters ({@link SidecarMeters} over a
 * Prometheus registry, as {@code llmtail run} passes), span store, decision listeners (usage
 * metrics, span log, the exporter's enqueue of kept traces, decision log, kept spans, decision
 * metrics, late evidence, conversations) and revision — with an injected ticker, so that the caller
 * decides traces at the age the deciders do.
 *
 * <p>Lives in {@code dev.llmtail.server} because the wiring it uses is package-private; it adds no
 * behaviour. Nothing is promoted here: late evidence needs spans after a decision, which a bench
 * that never repeats a trace id does not send.
 */
public final class BenchDecisionPath implements AutoCloseable {

  private final SpanLog spanLog;
  private final SpanExporter exporter;
  private final TraceBuffer buffer;
  private final MeterRegistry meters;

  /** Wires {@code config} (its exporter endpoint included) with time from {@code ticker}. */
  public BenchDecisionPath(LlmtailConfig config, Ticker ticker) {
    Clock clock = Clock.systemUTC();
    this.meters = SidecarMeters.of(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).meters();
    this.spanLog = SpanLog.open(config.storage(), clock, meters);
    this.exporter = SidecarExporter.create(config, spanLog, meters);
    DecidedListeners listeners =
        DecidedListeners.wire(config, spanLog, exporter, null, meters, clock);
    DecisionEngine engine = new DecisionEngine(config.policies(), clock, meters);
    this.buffer =
        TraceBuffer.builder()
            .settings(config.buffer())
            .engine(() -> engine)
            .listener(listeners.listener())
            .revision(listeners.conversations())
            .genAi(listeners.genAi())
            .store(spanLog.spanStore())
            .ticker(ticker)
            .meters(meters)
            .build();
  }

  /** The buffer to admit to and decide from. */
  public TraceBuffer buffer() {
    return buffer;
  }

  /** The registry every meter of the path is on. */
  public MeterRegistry meters() {
    return meters;
  }

  @Override
  public void close() {
    exporter.shutdown(Duration.ofSeconds(5));
    spanLog.close();
  }
}
