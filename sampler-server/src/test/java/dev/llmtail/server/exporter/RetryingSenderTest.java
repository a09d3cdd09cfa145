package dev.llmtail.server.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import dev.llmtail.server.config.ExporterConfig.RetryConfig;
import dev.llmtail.server.exporter.RetryingSender.Outcome;
import dev.llmtail.server.exporter.RetryingSender.Result;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retry timing on a fake clock: every wait is asserted exactly, and nothing sleeps. */
class RetryingSenderTest {

  private static final Duration SECOND = Duration.ofSeconds(1);

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final FakeRetryClock clock = new FakeRetryClock();
  private final Counter retries = meters.counter("retries");
  private final ExportHealth health =
      new ExportHealth(
          "127.0.0.1:4417",
          "otlp",
          Clock.fixed(Instant.parse("2026-11-29T01:00:00Z"), ZoneOffset.UTC),
          Duration.ofMinutes(1),
          meters);

  /** Jitter pinned to its middle (×1.0), so waits are exactly initial × 1.5^n. */
  private RetryingSender sender(Duration maxElapsed) {
    RetryConfig config = new RetryConfig(SECOND, Duration.ofSeconds(4), maxElapsed);
    return new RetryingSender(config, new Backoff(config, () -> 0.5), clock, health, retries);
  }

  /** An attempt that fails {@code failures} times with {@code status}, then succeeds. */
  private static RetryingSender.Attempt failing(int failures, AtomicInteger calls, Status status) {
    return () -> {
      if (calls.incrementAndGet() <= failures) {
        throw status.asRuntimeException();
      }
      return 0;
    };
  }

  private Result send(RetryingSender sender, RetryingSender.Attempt attempt) throws Exception {
    return sender.send(attempt, () -> Long.MAX_VALUE);
  }

  @Test
  void waitsOneAndAHalfTimesLongerAfterEachFailureUpToMaxInterval() throws Exception {
    AtomicInteger calls = new AtomicInteger();

    Result result = send(sender(Duration.ofMinutes(5)), failing(5, calls, Status.UNAVAILABLE));

    assertThat(result.outcome()).isEqualTo(Outcome.DELIVERED);
    assertThat(calls).hasValue(6);
    assertThat(clock.waits())
        .containsExactly(
            Duration.ofMillis(1000),
            Duration.ofMillis(1500),
            Duration.ofMillis(2250),
            Duration.ofMillis(3375),
            Duration.ofSeconds(4)); // capped at max_interval
    assertThat(retries.count()).isEqualTo(5);
    assertThat(meters.get("llmtail.exporter.failures").counter().count()).isEqualTo(5);
  }

  @Test
  void jitterKeepsEachWaitBetweenHalfAndOneAndAHalfTimesTheBase() {
    RetryConfig config = new RetryConfig(SECOND, Duration.ofSeconds(30), Duration.ofMinutes(5));
    StatusRuntimeException down = Status.UNAVAILABLE.asRuntimeException();

    assertThat(new Backoff(config, () -> 0.0).delay(down, 0)).contains(Duration.ofMillis(500));
    assertThat(new Backoff(config, () -> 0.0).delay(down, 2)).contains(Duration.ofMillis(1125));
    assertThat(new Backoff(config, () -> 0.75).delay(down, 0)).contains(Duration.ofMillis(1250));
    assertThat(new Backoff(config, () -> 0.75).delay(down, 20)).contains(Duration.ofSeconds(30));
  }

  @Test
  void givesUpBeforeAWaitWouldPassMaxElapsedTime() throws Exception {
    AtomicInteger calls = new AtomicInteger();

    Result result =
        send(sender(Duration.ofSeconds(5)), failing(Integer.MAX_VALUE, calls, Status.UNAVAILABLE));

    // 1 + 1.5 + 2.25 = 4.75 s; the next wait (3.375 s) would end after 5 s.
    assertThat(result.outcome()).isEqualTo(Outcome.UNSENT);
    assertThat(result.failure()).startsWith("UNAVAILABLE");
    assertThat(calls).hasValue(4);
    assertThat(clock.elapsed()).isEqualTo(Duration.ofMillis(4750));
  }

  @Test
  void givesUpBeforeAWaitWouldPassTheShutdownDeadline() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    long stopBy = clock.nanoTime() + Duration.ofSeconds(2).toNanos();

    Result result =
        sender(Duration.ofMinutes(5))
            .send(failing(Integer.MAX_VALUE, calls, Status.UNAVAILABLE), () -> stopBy);

    assertThat(result.outcome()).isEqualTo(Outcome.UNSENT);
    assertThat(clock.waits()).containsExactly(SECOND); // then 1.5 s more would pass the deadline
    assertThat(calls).hasValue(2);
  }

  @Test
  void refusesForGoodWithoutWaitingOnANonRetryableStatus() throws Exception {
    AtomicInteger calls = new AtomicInteger();

    Result result =
        send(
            sender(Duration.ofMinutes(5)),
            failing(1, calls, Status.INVALID_ARGUMENT.withDescription("span too large")));

    assertThat(result.outcome()).isEqualTo(Outcome.REFUSED);
    assertThat(result.failure()).isEqualTo("INVALID_ARGUMENT: span too large");
    assertThat(clock.waits()).isEmpty();
    assertThat(retries.count()).isZero();
  }

  @Test
  void resourceExhaustedIsRetriedOnlyWithTheServersRetryInfoAndAfterItsDelay() throws Exception {
    AtomicInteger withHint = new AtomicInteger();
    StatusRuntimeException exhausted =
        StatusProto.toStatusRuntimeException(
            com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
                .addDetails(
                    Any.pack(
                        RetryInfo.newBuilder()
                            .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(7))
                            .build()))
                .build());
    RetryingSender.Attempt hinted =
        () -> {
          if (withHint.incrementAndGet() == 1) {
            throw exhausted;
          }
          return 0;
        };

    assertThat(send(sender(Duration.ofMinutes(5)), hinted).outcome()).isEqualTo(Outcome.DELIVERED);
    assertThat(clock.waits()).containsExactly(Duration.ofSeconds(7)); // the server's, not ours

    AtomicInteger withoutHint = new AtomicInteger();
    assertThat(
            send(sender(Duration.ofMinutes(5)), failing(1, withoutHint, Status.RESOURCE_EXHAUSTED))
                .outcome())
        .isEqualTo(Outcome.REFUSED);
    assertThat(withoutHint).hasValue(1);
  }

  @Test
  void reportsTheRejectedCountOfAPartialSuccess() throws Exception {
    assertThat(send(sender(Duration.ofMinutes(5)), () -> 3))
        .isEqualTo(new Result(Outcome.DELIVERED, 3, ""));
    assertThat(List.copyOf(clock.waits())).isEmpty();
  }
}
