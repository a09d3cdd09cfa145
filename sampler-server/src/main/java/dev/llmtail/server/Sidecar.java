package dev.llmtail.server;

import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.buffer.DecisionRecall;
import dev.llmtail.core.buffer.FanOutListener;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.metrics.LlmUsageMetrics;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.server.admin.AdminServer;
import dev.llmtail.server.admin.KeptSpans;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.ConfigReloader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.server.exporter.SpanExporter;
import dev.llmtail.server.promotion.ConversationKeeper;
import dev.llmtail.server.promotion.SpanLogRecall;
import dev.llmtail.server.promotion.TracePromoter;
import dev.llmtail.server.receiver.Backpressure;
import dev.llmtail.server.receiver.LogIntake;
import dev.llmtail.server.receiver.OtlpGrpcReceiver;
import dev.llmtail.server.receiver.OtlpHttpReceiver;
import dev.llmtail.server.receiver.SpanIntake;
import dev.llmtail.server.receiver.kafka.KafkaReceiver;
import dev.llmtail.server.receiver.kafka.OffsetLedger;
import dev.llmtail.server.storage.SpanLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * One running llmtail: receiver → buffer → decision engine → exporter, wired from a config, with
 * the scheduler that decides due traces. Start with {@link #start}, stop with {@link #close}.
 *
 * <p>Every decision goes to the exporter (kept traces), the {@link DecisionLog} (what {@code
 * /debug} explains) and the decision metrics. Metrics are served by the admin server from a
 * Prometheus registry; a registry passed in (tests, embedding) receives the same meters.
 *
 * <p>Start order: admin server first (so {@code /healthz} answers during startup), then both
 * receivers, then {@code /readyz} turns ready. Shutdown order keeps every accepted span accounted
 * for: not ready, stop accepting (both receivers), decide every buffered trace, give the exporter
 * until the deadline to send what was kept (it spills what it could not send), then stop the admin
 * server.
 */
final class Sidecar implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(Sidecar.class.getName());

  /** How often due traces are looked for; bounds how late a decision can be. */
  static final Duration DECISION_TICK = Duration.ofMillis(25);

  /**
   * Threads that decide due traces: one per core, at most 4. Deciding (normalise, every policy,
   * decision log, metrics, hand-off to the exporter) is the CPU-heavy step; with one thread the
   * benchmark (docs/performance.md) showed it falling behind the receivers on a 2-core machine. All
   * but one are helpers that decide only while there is a backlog ({@link DeciderSchedule}).
   */
  static final int DECIDERS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

  /** Retry delay suggested to clients refused under backpressure. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final LlmtailConfig config;
  private final SpanExporter exporter;
  private final SpanLog spanLog;
  private final TraceBuffer buffer;
  private final @Nullable OtlpGrpcReceiver receiver;
  private final @Nullable OtlpHttpReceiver httpReceiver;
  private final @Nullable KafkaReceiver kafka;
  private final SpanLedger ledger;
  private final DeciderSchedule deciders = new DeciderSchedule();
  private final Duration shutdownDeadline;
  private final DecisionLog decisionLog;
  private final LlmUsageMetrics llmUsage;
  private final AdminServer admin;
  private final AtomicBoolean ready = new AtomicBoolean();
  private final ConfigReloader reloader;
  private final Duration reloadInterval;

  private Sidecar(
      LlmtailConfig config,
      MeterRegistry given,
      Duration shutdownDeadline,
      @Nullable ConfigLoader reloadWith,
      Duration reloadInterval) {
    this.config = config;
    this.shutdownDeadline = shutdownDeadline;
    Clock clock = Clock.systemUTC();
    SidecarMeters registries = SidecarMeters.of(given);
    PrometheusMeterRegistry prometheus = registries.prometheus();
    MeterRegistry meters = registries.meters();
    this.spanLog = SpanLog.open(config.storage(), clock, meters);
    this.exporter = SidecarExporter.create(config, spanLog, meters);
    this.reloader =
        new ConfigReloader(
            config.source(),
            config,
            reloadWith == null ? ConfigLoader.withSystemEnvironment() : reloadWith,
            clock,
            meters);
    this.reloadInterval = reloadWith == null ? Duration.ZERO : reloadInterval;
    // With a Kafka receiver, offsets are committed only past traces every listener saw (kept ones:
    // once delivered), and a revoked partition's traces are handed back: neither exported nor
    // logged as decided here.
    OffsetLedger offsets = config.receivers().kafka() == null ? null : new OffsetLedger(meters);
    DecidedListeners listeners =
        DecidedListeners.wire(config, spanLog, exporter, offsets, meters, clock);
    this.decisionLog = listeners.decisionLog();
    this.llmUsage = listeners.llmUsage();
    GenAiNormalizer genAi = listeners.genAi();
    KeptSpans keptSpans = listeners.keptSpans();
    ConversationKeeper conversations = listeners.conversations();
    AtomicReference<TracePromoter> promoter = listeners.promoter();
    FanOutListener decided = listeners.listener();
    this.buffer =
        TraceBuffer.builder()
            .settings(config.buffer())
            .engine(reloader.engine())
            .listener(offsets == null ? decided : offsets.guard(decided))
            .revision(conversations)
            // Late evidence for a dropped trace the decision cache forgot still reaches the
            // promoter while the span log retains the trace.
            .recall(
                spanLog.durable() ? new SpanLogRecall(spanLog, decisionLog) : DecisionRecall.NONE)
            .genAi(genAi)
            // With the span log on, buffered span bytes stay in it; the heap holds where they are.
            .store(spanLog.spanStore())
            .meters(meters)
            .build();
    TracePromoter keeper =
        new TracePromoter(
            buffer,
            spanLog,
            decisionLog,
            config.storage().retention(),
            reloader.engine(),
            meters,
            clock);
    promoter.set(keeper);
    this.admin =
        new AdminServer(
            config,
            reloader,
            decisionLog,
            buffer,
            prometheus,
            this::ready,
            clock,
            exporter::status,
            keptSpans,
            spanLog,
            id -> spanLog.retained(id).map(v -> v.withGenAi(genAi)),
            keeper);
    Backpressure backpressure =
        new Backpressure(
            buffer::bufferedBytes,
            config.buffer().maxBytes(),
            exporter::atCapacity,
            spanLog::refusal,
            RETRY_AFTER);
    SpanIntake intake = new SpanIntake(buffer, spanLog, backpressure, meters);
    // Log records without a trace id are not sampled: forwarded as they are.
    LogIntake logs =
        LogIntake.intoBuffer(
            buffer,
            spanLog,
            backpressure,
            untraced -> exporter.exportLogs(untraced.untraced(), untraced.untracedRecords()),
            meters);
    this.receiver =
        config.receivers().grpc().enabled()
            ? new OtlpGrpcReceiver(
                config.receivers().grpc(), intake, logs, exporter.writesFiles(), meters)
            : null;
    this.httpReceiver =
        config.receivers().http().enabled()
            ? new OtlpHttpReceiver(config.receivers().http(), intake, logs, meters)
            : null;
    this.kafka =
        offsets == null
            ? null
            : new KafkaReceiver(
                config.receivers().kafka(),
                offsets,
                intake,
                logs,
                backpressure,
                buffer::remember,
                meters,
                clock);
    this.ledger = new SpanLedger(meters);
  }

  /**
   * Builds and starts every component, without watching the config file; throws if a port cannot be
   * bound.
   */
  static Sidecar start(LlmtailConfig config, MeterRegistry meters, Duration shutdownDeadline) {
    return start(config, meters, shutdownDeadline, null, Duration.ZERO);
  }

  /**
   * Builds and starts every component; throws {@link ListenFailure} naming every port that cannot
   * be bound. When {@code reloadWith} is given and {@code reloadInterval} is positive, the config
   * file is checked that often and a valid change of its policies applied (see {@link
   * ConfigReloader}).
   */
  static Sidecar start(
      LlmtailConfig config,
      MeterRegistry meters,
      Duration shutdownDeadline,
      @Nullable ConfigLoader reloadWith,
      Duration reloadInterval) {
    Sidecar sidecar = new Sidecar(config, meters, shutdownDeadline, reloadWith, reloadInterval);
    try {
      StartupRestore.restore(config, sidecar.spanLog, sidecar.buffer, sidecar.exporter);
    } catch (RuntimeException e) {
      sidecar.close();
      throw e;
    }
    sidecar.deciders.start(
        sidecar.buffer::decideDue,
        sidecar.reloader::check,
        sidecar.reloadInterval,
        DECIDERS,
        DeciderSchedule.HELPER_AFTER);
    OtlpGrpcReceiver grpc = sidecar.receiver;
    OtlpHttpReceiver http = sidecar.httpReceiver;
    List<String> busy =
        Listeners.start(
            config,
            sidecar.admin::start,
            grpc == null ? null : grpc::start,
            http == null ? null : http::start);
    if (!busy.isEmpty()) {
      // Release the threads and files the constructor already opened, and the ports that opened.
      sidecar.close();
      throw new ListenFailure(busy);
    }
    if (sidecar.kafka != null) {
      // Connects in the background: an unreachable broker shows in /readyz, not as a failed start.
      sidecar.kafka.start();
    }
    sidecar.ready.set(true);
    StartupLine.log(
        config, sidecar.receiver, sidecar.httpReceiver, sidecar.kafka, sidecar.admin.port());
    return sidecar;
  }

  /** {@code /readyz}: started, not stopping, and (with Kafka) owning a partition in time. */
  private boolean ready() {
    return ready.get() && (kafka == null || kafka.ready());
  }

  /** The Kafka receiver, or null when {@code receivers.kafka} is absent. */
  @Nullable KafkaReceiver kafka() {
    return kafka;
  }

  /** The config as reloaded; {@link ConfigReloader#check} may be called to check now. */
  ConfigReloader reloader() {
    return reloader;
  }

  /** The OTLP/gRPC port; throws when {@code receivers.grpc.enabled} is false. */
  int grpcPort() {
    if (receiver == null) {
      throw new IllegalStateException("receivers.grpc is off");
    }
    return receiver.port();
  }

  /** The OTLP/HTTP port; throws when {@code receivers.http.enabled} is false. */
  int httpPort() {
    if (httpReceiver == null) {
      throw new IllegalStateException("receivers.http is off");
    }
    return httpReceiver.port();
  }

  SpanLedger ledger() {
    return ledger;
  }

  TraceBuffer buffer() {
    return buffer;
  }

  int adminPort() {
    return admin.port();
  }

  DecisionLog decisionLog() {
    return decisionLog;
  }

  /** LLM usage metrics, counted once per trace when it is decided: over all traffic. */
  LlmUsageMetrics llmUsage() {
    return llmUsage;
  }

  LlmtailConfig config() {
    return config;
  }

  @Override
  public void close() {
    long start = System.nanoTime();
    ready.set(false);
    long receiverMillis = Math.max(1, shutdownDeadline.toMillis() / 8);
    if (receiver != null) {
      receiver.shutdown(receiverMillis);
    }
    if (httpReceiver != null) {
      httpReceiver.shutdown(receiverMillis);
    }
    if (kafka != null) {
      // Revokes its partitions first: their undecided traces are left to the next owner.
      kafka.close();
    }
    deciders.close(Duration.ofMillis(shutdownDeadline.toMillis() / 4 + 1));
    int decided = buffer.decideAll(DecisionTrigger.SHUTDOWN);
    Duration left = shutdownDeadline.minusNanos(System.nanoTime() - start);
    exporter.shutdown(left.isNegative() ? Duration.ofMillis(1) : left);
    admin.close();
    // Last: /debug and the exporter's callbacks read and write it until they stop.
    spanLog.close();
    LOG.log(
        System.Logger.Level.INFO,
        "llmtail stopped; decided {0} buffered traces at shutdown; spans: {1}",
        decided,
        ledger);
  }
}
