package dev.llmtail.server.exporter;

import dev.llmtail.server.config.ExporterConfig.RetryConfig;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Makes one export call until it succeeds, is refused for good, or runs out of time: {@code
 * max_elapsed_time} since the first attempt, or the shutdown deadline. Waits between attempts as
 * {@link Backoff} says, through the injected {@link RetryClock}, so retry timing is unit-tested on
 * a fake clock. Every failed attempt is reported to {@link ExportHealth}, which decides what is
 * logged. Stateless between calls; one thread per queue calls it.
 */
final class RetryingSender {

  /** One export call; returns how many items the backend rejected (partial success). */
  interface Attempt {
    long send();
  }

  /** How a batch ended. */
  enum Outcome {
    /** The backend took it (maybe rejecting some items: counted by the attempt's caller). */
    DELIVERED,
    /** The backend refused it with a non-retryable status: it will never take it. */
    REFUSED,
    /** Retry time or the shutdown deadline ran out: keep it for later. */
    UNSENT
  }

  /**
   * An outcome; when delivered, how many items the backend rejected; otherwise the last failure, as
   * {@link ExportHealth#describe} puts it.
   */
  record Result(Outcome outcome, long rejected, String failure) {}

  private final RetryConfig config;
  private final Backoff backoff;
  private final RetryClock clock;
  private final ExportHealth health;
  private final Counter retries;

  RetryingSender(
      RetryConfig config, Backoff backoff, RetryClock clock, ExportHealth health, Counter retries) {
    this.config = config;
    this.backoff = backoff;
    this.clock = clock;
    this.health = health;
    this.retries = retries;
  }

  /**
   * @param stopByNanos the shutdown deadline on the {@link RetryClock}, asked before every wait
   *     ({@link Long#MAX_VALUE} while running)
   */
  Result send(Attempt attempt, LongSupplier stopByNanos) throws InterruptedException {
    long started = clock.nanoTime();
    for (int n = 0; ; n++) {
      try {
        long rejected = attempt.send();
        health.succeeded();
        return new Result(Outcome.DELIVERED, rejected, "");
      } catch (StatusRuntimeException e) {
        String failure = ExportHealth.describe(e);
        health.attemptFailed(failure);
        Optional<Duration> delay = backoff.delay(e, n);
        if (delay.isEmpty()) {
          return new Result(Outcome.REFUSED, 0, failure);
        }
        long delayNanos = delay.get().toNanos();
        long now = clock.nanoTime();
        if (now + delayNanos - started > config.maxElapsedTime().toNanos()
            || now + delayNanos > stopByNanos.getAsLong()) {
          return new Result(Outcome.UNSENT, 0, failure);
        }
        retries.increment();
        clock.sleep(delayNanos);
      }
    }
  }
}
