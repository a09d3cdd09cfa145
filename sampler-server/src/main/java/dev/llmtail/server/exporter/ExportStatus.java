package dev.llmtail.server.exporter;

import dev.llmtail.core.DurationFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether kept traces currently reach their destination, as {@code /debug} shows it: healthy, or
 * failing since when, with the last cause and how many attempts failed since.
 *
 * @param destination the backend endpoint or the file
 * @param failingSince the first failed attempt of the current outage; empty while export works
 * @param lastCause why the last attempt failed, e.g. {@code UNAVAILABLE: Connection refused:
 *     127.0.0.1:4417}; empty while export works
 * @param failedAttempts attempts failed since {@code failingSince}
 */
public record ExportStatus(
    String destination, Optional<Instant> failingSince, String lastCause, long failedAttempts) {

  /** Export to {@code destination} works (or was not tried yet). */
  public static ExportStatus working(String destination) {
    return new ExportStatus(destination, Optional.empty(), "", 0);
  }

  public boolean failing() {
    return failingSince.isPresent();
  }

  /** One line for people: {@code export to … failing since … (for 2m): …} or {@code … works}. */
  public String describe(Instant now) {
    if (failingSince.isEmpty()) {
      return "export to " + destination + " works";
    }
    Instant since = failingSince.get();
    return "export to "
        + destination
        + " failing since "
        + since
        + " (for "
        + DurationFormat.format(Duration.between(since, now))
        + "): "
        + lastCause
        + "; "
        + failedAttempts
        + (failedAttempts == 1 ? " attempt" : " attempts")
        + " failed";
  }
}
