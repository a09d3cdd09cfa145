package dev.llmtail.server.exporter;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import dev.llmtail.server.config.ExporterConfig.RetryConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleSupplier;

/**
 * Which failed exports are retried, and after how long: the codes the OTLP spec calls retryable,
 * {@code RESOURCE_EXHAUSTED} only when the server sent a {@code RetryInfo} (whose delay is then
 * used), otherwise {@code initial_interval × 1.5^attempt}, capped at {@code max_interval}, with ±50
 * % jitter. The jitter source is injected so that tests can pin it.
 */
final class Backoff {

  /** OTLP spec: retryable gRPC codes; RESOURCE_EXHAUSTED only with RetryInfo. */
  private static final Set<Status.Code> RETRYABLE =
      EnumSet.of(
          Status.Code.CANCELLED,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.ABORTED,
          Status.Code.OUT_OF_RANGE,
          Status.Code.UNAVAILABLE,
          Status.Code.DATA_LOSS);

  private final RetryConfig config;
  private final DoubleSupplier random;

  /**
   * @param random uniform in [0, 1): the jitter
   */
  Backoff(RetryConfig config, DoubleSupplier random) {
    this.config = config;
    this.random = random;
  }

  /** How long to wait before retry number {@code attempt + 1}, or empty if it is not retryable. */
  Optional<Duration> delay(StatusRuntimeException failure, int attempt) {
    Optional<Duration> hint = serverHint(failure);
    Status.Code code = failure.getStatus().getCode();
    if (!RETRYABLE.contains(code)
        && !(code == Status.Code.RESOURCE_EXHAUSTED && hint.isPresent())) {
      return Optional.empty();
    }
    return Optional.of(hint.orElseGet(() -> exponential(attempt)));
  }

  private Duration exponential(int attempt) {
    double base =
        Math.min(
            config.maxInterval().toNanos(),
            config.initialInterval().toNanos() * Math.pow(1.5, Math.min(attempt, 60)));
    double jittered = base * (0.5 + random.getAsDouble());
    return Duration.ofNanos((long) Math.min(jittered, config.maxInterval().toNanos()));
  }

  private static Optional<Duration> serverHint(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    if (status == null) {
      return Optional.empty();
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration d = detail.unpack(RetryInfo.class).getRetryDelay();
          return Optional.of(Duration.ofSeconds(d.getSeconds(), d.getNanos()));
        } catch (InvalidProtocolBufferException malformed) {
          return Optional.empty(); // a malformed hint is no hint: fall back to our own backoff
        }
      }
    }
    return Optional.empty();
  }
}
