package dev.llmtail.server.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.testing.LogCapture;
import dev.llmtail.testing.MutableClock;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ExportHealthTest {

  private static final Instant START = Instant.parse("2026-11-29T01:00:00Z");

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final MutableClock clock = new MutableClock(START);
  private final ExportHealth health =
      new ExportHealth("127.0.0.1:4417", "otlp", clock, Duration.ofMinutes(1), meters);
  private LogCapture log;

  @BeforeEach
  void capture() {
    log = LogCapture.of(ExportHealth.class);
  }

  @AfterEach
  void release() {
    log.close();
  }

  private List<String> lines(Level level) {
    return log.lines(level);
  }

  private static String refused() {
    return ExportHealth.describe(
        Status.UNAVAILABLE
            .withDescription("io exception")
            .withCause(new ConnectException("Connection refused: /127.0.0.1:4417"))
            .asRuntimeException());
  }

  @Test
  void namesTheCauseOfAFailedCallWithoutItsStackTrace() {
    assertThat(refused())
        .isEqualTo("UNAVAILABLE: io exception (Connection refused: 127.0.0.1:4417)");
  }

  @Test
  void firstFailureIsOneWarningWithTheCauseThenOneReminderPerIntervalWithCounts() {
    for (int i = 0; i < 50; i++) {
      health.attemptFailed(refused());
      clock.advance(Duration.ofSeconds(2)); // 100 s of failing, an attempt every 2 s
    }

    List<String> warnings = lines(Level.WARNING);
    assertThat(warnings).hasSize(2);
    assertThat(warnings.get(0))
        .startsWith("export to 127.0.0.1:4417 failing: UNAVAILABLE: io exception")
        .contains("Connection refused: 127.0.0.1:4417");
    assertThat(warnings.get(1))
        .startsWith("export to 127.0.0.1:4417 still failing since 2026-11-29T01:00:00Z (for 1m")
        .contains("30 failed attempts in the last 1m");
    assertThat(log.records()).allSatisfy(r -> assertThat(r.getThrown()).isNull());
    assertThat(meters.get("llmtail.exporter.failures").counter().count()).isEqualTo(50);
  }

  @Test
  void statusAndGaugeSayForHowLongExportFailsUntilItWorksAgain() {
    assertThat(health.status().failing()).isFalse();
    assertThat(meters.get("llmtail.exporter.failing").gauge().value()).isZero();

    health.attemptFailed(refused());
    clock.advance(Duration.ofSeconds(90));
    health.attemptFailed(refused());

    ExportStatus status = health.status();
    assertThat(status.failingSince()).contains(START);
    assertThat(status.failedAttempts()).isEqualTo(2);
    assertThat(status.describe(clock.instant()))
        .isEqualTo(
            "export to 127.0.0.1:4417 failing since 2026-11-29T01:00:00Z (for 1m30s): UNAVAILABLE:"
                + " io exception (Connection refused: 127.0.0.1:4417); 2 attempts failed");
    assertThat(meters.get("llmtail.exporter.failing").gauge().value()).isEqualTo(90);

    health.succeeded();
    assertThat(health.status().failing()).isFalse();
    assertThat(meters.get("llmtail.exporter.failing").gauge().value()).isZero();
    assertThat(lines(Level.INFO)).singleElement().asString().contains("works again after");
  }

  @Test
  void undeliveredDataIsOneErrorPerIntervalWithTheSumsOfWhatFollowed() {
    health.attemptFailed(refused());
    for (int i = 0; i < 20; i++) {
      health.undelivered(Signal.SPANS, 10, "spilled to /var/spill");
      clock.advance(Duration.ofSeconds(5));
    }
    health.undelivered(Signal.LOGS, 3, "lost");
    health.flush();

    List<String> errors = lines(Level.SEVERE);
    assertThat(errors).hasSize(3);
    assertThat(errors.get(0)).startsWith("10 kept spans spilled to /var/spill (export to");
    assertThat(errors.get(1)).startsWith("120 kept spans spilled to /var/spill ("); // 5 s … 60 s
    assertThat(errors.get(2))
        .startsWith("70 kept spans spilled to /var/spill; 3 kept log records lost (")
        .contains("Connection refused");
  }
}
