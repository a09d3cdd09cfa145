package dev.llmtail.server.exporter;

import dev.llmtail.core.DurationFormat;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/**
 * Whether export to one destination works, and the few log lines that say so.
 *
 * <p>The first failed attempt of an outage is one WARN line with its cause ({@code export to
 * 127.0.0.1:4417 failing: UNAVAILABLE: io exception (Connection refused: 127.0.0.1:4417)}); while
 * it lasts, at most one WARN reminder per {@code interval} with the count of failed attempts; when
 * an attempt succeeds again, one INFO line. Kept data that leaves memory without being delivered
 * (spilled to disk, or lost) is an ERROR, at most one line per interval: the first event at once,
 * later ones summed into the next line. Network failures are expected: they are logged as their
 * status and cause, never with a stack trace.
 *
 * <p>Also the meters {@code llmtail.exporter.failures} (failed attempts) and {@code
 * llmtail.exporter.failing} (seconds since the outage began, 0 while export works), both present
 * from start. Thread-safe: state under {@code lock}; {@link #succeeded} takes no lock while
 * healthy.
 */
final class ExportHealth {

  private static final System.Logger LOG = System.getLogger(ExportHealth.class.getName());

  /** At most one reminder that export still fails, and one line of undelivered data, this often. */
  static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

  private final String destination;
  private final Clock clock;
  private final Duration interval;
  private final Counter failures;
  private final Object lock = new Object();

  private volatile @Nullable Instant failingSince; // null while export works; written under lock
  private String lastCause = ""; // guarded by lock
  private long failedAttempts; // guarded by lock
  private long attemptsSinceReminder; // guarded by lock
  private Instant lastReminder = Instant.MIN; // guarded by lock
  private Instant lastLossLine = Instant.MIN; // guarded by lock
  private final Map<Loss, Long> unreportedLoss = new LinkedHashMap<>(); // guarded by lock

  /** What was not delivered, and where it went instead. */
  private record Loss(Signal<?> signal, String fate) {}

  ExportHealth(
      String destination, String exporter, Clock clock, Duration interval, MeterRegistry meters) {
    this.destination = destination;
    this.clock = clock;
    this.interval = interval;
    this.failures =
        Counter.builder("llmtail.exporter.failures")
            .description("Export attempts that failed (each retry counts), by exporter")
            .tag("exporter", exporter)
            .register(meters);
    Gauge.builder("llmtail.exporter.failing", this, ExportHealth::failingSeconds)
        .description("Seconds since export began failing; 0 while it works (alert when > 60)")
        .tag("exporter", exporter)
        .baseUnit("seconds")
        .register(meters);
  }

  /** One attempt failed (it may be retried): the first of an outage is logged at once. */
  void attemptFailed(String cause) {
    failures.increment();
    Instant now = clock.instant();
    synchronized (lock) {
      lastCause = cause;
      failedAttempts++;
      if (failingSince == null) {
        failingSince = now;
        lastReminder = now;
        attemptsSinceReminder = 0;
        LOG.log(
            System.Logger.Level.WARNING,
            "export to {0} failing: {1} (llmtail retries what it may, and logs what it spills or"
                + " loses; llmtail.exporter.failing counts the seconds)",
            destination,
            cause);
        return;
      }
      attemptsSinceReminder++;
      if (!now.isBefore(lastReminder.plus(interval))) {
        LOG.log(
            System.Logger.Level.WARNING,
            "export to {0} still failing since {1} (for {2}): {3} failed attempts in the last {4};"
                + " last cause: {5}",
            destination,
            failingSince,
            DurationFormat.format(Duration.between(failingSince, now)),
            attemptsSinceReminder,
            DurationFormat.format(Duration.between(lastReminder, now)),
            cause);
        lastReminder = now;
        attemptsSinceReminder = 0;
      }
    }
  }

  /** An attempt succeeded: ends an outage, if there was one. */
  void succeeded() {
    if (failingSince == null) {
      return;
    }
    Instant now = clock.instant();
    synchronized (lock) {
      if (failingSince == null) {
        return;
      }
      LOG.log(
          System.Logger.Level.INFO,
          "export to {0} works again after failing for {1} ({2} failed attempts)",
          destination,
          DurationFormat.format(Duration.between(failingSince, now)),
          failedAttempts);
      failingSince = null;
      failedAttempts = 0;
      lastCause = "";
    }
  }

  /**
   * Kept data left memory undelivered: {@code fate} says where to ({@code spilled to /var/spill;
   * sent when the backend takes it again}) or that it is lost and why.
   */
  void undelivered(Signal<?> signal, long count, String fate) {
    Instant now = clock.instant();
    synchronized (lock) {
      unreportedLoss.merge(new Loss(signal, fate), count, Long::sum);
      if (!now.isBefore(lastLossLine.plus(interval))) {
        logLoss(now);
      }
    }
  }

  /** Logs what {@link #undelivered} has not reported yet (at shutdown). */
  void flush() {
    synchronized (lock) {
      if (!unreportedLoss.isEmpty()) {
        logLoss(clock.instant());
      }
    }
  }

  private void logLoss(Instant now) {
    StringJoiner what = new StringJoiner("; ");
    unreportedLoss.forEach(
        (loss, count) -> what.add(count + " kept " + loss.signal() + " " + loss.fate()));
    String why =
        failingSince == null
            ? "the memory queue is full (exporter.otlp.queue_size / queue_max_bytes)"
            : "export to " + destination + " failing since " + failingSince + ": " + lastCause;
    LOG.log(System.Logger.Level.ERROR, "{0} ({1})", what, why);
    unreportedLoss.clear();
    lastLossLine = now;
  }

  ExportStatus status() {
    synchronized (lock) {
      return failingSince == null
          ? ExportStatus.working(destination)
          : new ExportStatus(destination, Optional.of(failingSince), lastCause, failedAttempts);
    }
  }

  private double failingSeconds() {
    Instant since = failingSince;
    return since == null ? 0 : Duration.between(since, clock.instant()).toMillis() / 1000.0;
  }

  /** A failed call as a person reads it: status, description, and the cause without its trace. */
  static String describe(StatusRuntimeException e) {
    Status status = e.getStatus();
    StringBuilder out = new StringBuilder(status.getCode().toString());
    if (status.getDescription() != null && !status.getDescription().isEmpty()) {
      out.append(": ").append(status.getDescription());
    }
    Throwable cause = status.getCause() != null ? status.getCause() : e.getCause();
    if (cause != null && cause.getMessage() != null) {
      // Netty writes addresses as "/127.0.0.1:4417"; the slash is noise.
      out.append(" (").append(cause.getMessage().replace(": /", ": ")).append(')');
    }
    return out.toString();
  }
}
