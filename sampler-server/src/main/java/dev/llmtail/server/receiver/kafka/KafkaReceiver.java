package dev.llmtail.server.receiver.kafka;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.server.config.KafkaReceiverConfig;
import dev.llmtail.server.receiver.Backpressure;
import dev.llmtail.server.receiver.LogIntake;
import dev.llmtail.server.receiver.SpanIntake;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * Reads OTLP spans and log records from the topics the Collector's {@code kafka} exporter writes
 * (partitioned by trace id), as one member of a consumer group, into the trace buffer.
 *
 * <p>Design. One thread owns the {@link KafkaConsumer} (it is not thread-safe): it polls, decodes
 * each message ({@code otlp_proto} or {@code otlp_json}), tracks it in the {@link OffsetLedger} and
 * admits its spans; a trace split over several messages is merged by the buffer as if it had come
 * in several OTLP requests. Every {@link #COMMIT_EVERY} it commits the ledger's commit points; on
 * revocation it commits them synchronously and disowns the partitions' undecided traces.
 *
 * <p>Assignment. The group uses the broker-side consumer protocol (KIP-848, Kafka 4.0+) with the
 * {@code range} assignor: partition <i>n</i> of the spans topic and of the logs topic go to the
 * same member, so a trace's spans and GenAI events meet in one buffer; revocation is incremental (a
 * member keeps the partitions that do not move).
 *
 * <p>Backpressure. While {@link Backpressure} would refuse an OTLP request (buffer at 90 % of its
 * bytes, or exporter queue full) every owned partition is paused and polling continues (the member
 * stays in the group); they resume when it clears. Memory is bounded by one poll's records.
 *
 * <p>Failure. When the consumer loop throws (a broker or client error {@code poll} does not retry
 * itself, a bug), the consumer is closed — its partitions are forgotten as on a revocation, their
 * undecided traces handed back — and a new one joins the group after a delay that doubles from
 * {@link #FIRST_RESTART_DELAY} to {@link #MAX_RESTART_DELAY} (back to the first after a run longer
 * than that). Each restart is logged and counted in {@code llmtail.kafka.consumer.restarts}.
 */
public final class KafkaReceiver implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(KafkaReceiver.class.getName());

  /** How often commit points are committed while consuming. */
  static final Duration COMMIT_EVERY = Duration.ofSeconds(1);

  static final Duration POLL = Duration.ofMillis(100);

  static final String TRANSPORT = "kafka";

  /** The wait before the first restart of a failed consumer; doubled for each further one. */
  static final Duration FIRST_RESTART_DELAY = Duration.ofSeconds(1);

  static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(30);

  private final KafkaReceiverConfig config;
  private final OffsetLedger ledger;
  private final Backpressure backpressure;
  private final Clock clock;
  private final Supplier<Consumer<byte[], byte[]>> consumers;
  private final Duration firstRestartDelay;
  private final CountDownLatch stopped = new CountDownLatch(1);
  // Replaced by the consumer thread on a restart; read by close() to wake it.
  private volatile Consumer<byte[], byte[]> consumer;
  private final Thread thread;
  private final KafkaReceiverMetrics metrics;
  private final KafkaRecordAdmitter admitter;
  // Consumer thread only.
  private final java.util.Set<TopicPartition> assignedNow = new java.util.HashSet<>();
  private final AtomicReference<Instant> unassignedSince;
  private final BiConsumer<TraceId, RememberedDecision> remember;
  private volatile boolean running = true;
  private Instant lastCommit;

  /** Builds the consumer; nothing connects until {@link #start}. */
  public KafkaReceiver(
      KafkaReceiverConfig config,
      OffsetLedger ledger,
      SpanIntake spans,
      LogIntake logs,
      Backpressure backpressure,
      BiConsumer<TraceId, RememberedDecision> remember,
      MeterRegistry meters,
      Clock clock) {
    this(
        config,
        ledger,
        spans,
        logs,
        backpressure,
        remember,
        meters,
        clock,
        () ->
            new KafkaConsumer<>(
                KafkaClientProperties.consumer(config),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer()),
        FIRST_RESTART_DELAY);
  }

  /** As the public constructor, with the consumers it creates and its first restart delay. */
  KafkaReceiver(
      KafkaReceiverConfig config,
      OffsetLedger ledger,
      SpanIntake spans,
      LogIntake logs,
      Backpressure backpressure,
      BiConsumer<TraceId, RememberedDecision> remember,
      MeterRegistry meters,
      Clock clock,
      Supplier<Consumer<byte[], byte[]>> consumers,
      Duration firstRestartDelay) {
    this.config = config;
    this.ledger = ledger;
    this.backpressure = backpressure;
    this.clock = clock;
    this.unassignedSince = new AtomicReference<>(clock.instant());
    this.lastCommit = clock.instant();
    this.remember = remember;
    this.consumers = consumers;
    this.firstRestartDelay = firstRestartDelay;
    this.consumer = consumers.get();
    this.thread = new Thread(this::run, "llmtail-kafka");
    this.thread.setDaemon(true);
    this.metrics = new KafkaReceiverMetrics(meters, ledger);
    this.admitter =
        new KafkaRecordAdmitter(config, ledger, spans, logs, metrics.invalid, metrics.skipped);
  }

  /** Subscribes and starts consuming on its own thread. */
  public void start() {
    subscribe(consumer);
    thread.start();
  }

  private void subscribe(Consumer<byte[], byte[]> c) {
    c.subscribe(List.of(config.traces().topic(), config.logs().topic()), new Rebalance());
  }

  /**
   * False once no partition has been assigned for {@code assignment_timeout}: the group has more
   * members than partitions, or the brokers cannot be reached.
   */
  public boolean ready() {
    Instant since = unassignedSince.get();
    return since == null
        || Duration.between(since, clock.instant()).compareTo(config.assignmentTimeout()) < 0;
  }

  /** Partitions currently assigned to this instance. */
  public int ownedPartitions() {
    return metrics.owned.get();
  }

  /** The consumer thread: consumes until closed, replacing a failed consumer after a delay. */
  private void run() {
    Duration delay = firstRestartDelay;
    while (true) {
      Instant started = clock.instant();
      RuntimeException failure = consume();
      if (failure == null || !running) {
        return;
      }
      if (Duration.between(started, clock.instant()).compareTo(MAX_RESTART_DELAY) > 0) {
        delay = firstRestartDelay; // it ran well for a while: this is a new failure
      }
      metrics.restarts.increment();
      LOG.log(
          System.Logger.Level.ERROR,
          "the Kafka consumer failed; a new one joins the group in " + delay,
          failure);
      try {
        if (stopped.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      delay =
          delay.multipliedBy(2).compareTo(MAX_RESTART_DELAY) > 0
              ? MAX_RESTART_DELAY
              : delay.multipliedBy(2);
      try {
        Consumer<byte[], byte[]> next = consumers.get();
        consumer = next;
        subscribe(next);
        lastCommit = clock.instant();
      } catch (RuntimeException e) {
        // consume() fails at once on the unusable consumer: counted and retried after the delay.
        LOG.log(System.Logger.Level.WARNING, "creating a new Kafka consumer failed: {0}", e);
      }
    }
  }

  /**
   * Consumes until closed (returns null) or until the consumer fails (returns the failure); closes
   * the consumer either way.
   */
  private @Nullable RuntimeException consume() {
    Consumer<byte[], byte[]> consumer = this.consumer;
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          admitter.admit(record);
        }
        applyBackpressure();
        Instant now = clock.instant();
        if (Duration.between(lastCommit, now).compareTo(COMMIT_EVERY) >= 0) {
          lastCommit = now;
          consumer.commitAsync(ledger.commitPoints(consumer.assignment()), this::commitFailed);
          measureLag();
        }
      }
      return null;
    } catch (WakeupException e) {
      // close() woke the poll: fall through to close the consumer, which revokes and commits.
      return null;
    } catch (RuntimeException e) {
      return e;
    } finally {
      try {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(10)));
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "closing the Kafka consumer failed", e);
      }
      if (!assignedNow.isEmpty()) {
        // Closing did not revoke them (it failed, or could not reach the group): forget them as
        // lost; if they come back, their traces are re-read from the last commit.
        new Rebalance().onPartitionsLost(List.copyOf(assignedNow));
      }
    }
  }

  /**
   * Asks the brokers for the end of every owned partition: unlike the consumer's own lag, which
   * comes with fetches, this stays true while a partition is paused.
   */
  private void measureLag() {
    if (assignedNow.isEmpty()) {
      return;
    }
    try {
      consumer
          .endOffsets(assignedNow, Duration.ofSeconds(1))
          .forEach((tp, end) -> metrics.lag(tp, Math.max(0, end - consumer.position(tp))));
    } catch (RuntimeException e) {
      // A slow broker: keep the last values; the next tick asks again.
      LOG.log(System.Logger.Level.DEBUG, "measuring consumer lag failed: {0}", e.toString());
    }
  }

  private void commitFailed(Map<TopicPartition, ?> offsets, Exception e) {
    if (e != null) {
      // The next commit carries the same or later points; nothing is lost by skipping one.
      LOG.log(System.Logger.Level.WARNING, "committing Kafka offsets failed: {0}", e.toString());
    }
  }

  private void applyBackpressure() {
    if (backpressure.check() != null) {
      consumer.pause(consumer.assignment());
    } else if (!consumer.paused().isEmpty()) {
      consumer.resume(consumer.paused());
    }
    metrics.paused.set(consumer.paused().size());
  }

  /** Runs on the consumer thread, inside {@code poll} or {@code close}. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
      if (!assigned.isEmpty()) {
        try {
          consumer
              .committed(new java.util.HashSet<>(assigned), Duration.ofSeconds(10))
              .forEach(
                  (tp, committed) -> {
                    Map<TraceId, RememberedDecision> decided = ledger.resume(tp, committed);
                    decided.forEach(remember);
                    metrics.inherited.increment(decided.size());
                  });
        } catch (RuntimeException e) {
          // Without the previous owner's list, its decided traces are decided again (counted by
          // it).
          LOG.log(
              System.Logger.Level.WARNING,
              "reading the committed offsets of {0} failed: {1}",
              assigned,
              e.toString());
        }
      }
      for (TopicPartition tp : assigned) {
        metrics.watchLag(tp);
      }
      assignedNow.addAll(assigned);
      metrics.owned.set(assignedNow.size());
      if (metrics.owned.get() > 0) {
        unassignedSince.set(null);
      }
      LOG.log(System.Logger.Level.INFO, "assigned Kafka partitions {0}", assigned);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
      if (revoked.isEmpty()) {
        return;
      }
      try {
        consumer.commitSync(ledger.commitPoints(revoked), Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        // The new owner then starts from the last commit that succeeded: earlier, never later.
        LOG.log(
            System.Logger.Level.WARNING,
            "committing offsets of revoked partitions failed: {0}",
            e.toString());
      }
      forget(revoked);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
      // Another member may already own them: committing now would be refused.
      forget(lost);
    }

    private void forget(Collection<TopicPartition> gone) {
      metrics.redelivered.increment(ledger.revoke(gone));
      for (TopicPartition tp : gone) {
        metrics.forgetLag(tp);
      }
      assignedNow.removeAll(gone);
      metrics.owned.set(assignedNow.size());
      if (metrics.owned.get() == 0) {
        unassignedSince.compareAndSet(null, clock.instant());
      }
      LOG.log(System.Logger.Level.INFO, "Kafka partitions {0} revoked", gone);
    }
  }

  /** Stops consuming: the owned partitions are revoked (their commit points committed). */
  @Override
  public void close() {
    running = false;
    stopped.countDown();
    if (!thread.isAlive()) {
      // Never started (another component failed to start): only release the consumer.
      if (thread.getState() == Thread.State.NEW) {
        consumer.close(CloseOptions.timeout(Duration.ZERO));
      }
      return;
    }
    try {
      consumer.wakeup();
    } catch (RuntimeException e) {
      // Already closed after a failure: the thread is waiting to restart and sees the stop.
      LOG.log(System.Logger.Level.DEBUG, "waking the Kafka consumer: {0}", e.toString());
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(15));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
