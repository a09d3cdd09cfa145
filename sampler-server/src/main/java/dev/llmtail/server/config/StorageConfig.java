package dev.llmtail.server.config;

import java.time.Duration;

/**
 * The {@code storage} section: the span log on local disk that every accepted span and log record
 * is written to before the OTLP answer, so that a crash loses nothing that was acknowledged.
 *
 * @param directory where the span log lives; empty (the default when the key is absent) keeps
 *     everything in memory only, as before the span log; the shipped config sets {@code data}
 * @param sync when the log is fsynced: {@code os} (default: written to the kernel before the
 *     answer, which survives a process crash; a power loss may lose what the OS had not written
 *     back), {@code always} (fsync before every answer, concurrent requests share one fsync), or a
 *     duration such as {@code 1s} (fsync at most that long after a write)
 * @param retention how long the spans of a dropped trace stay in the log after its decision;
 *     default {@code 1h}
 * @param maxSize most bytes the log may hold; the oldest decided data goes first, and requests are
 *     refused while undecided data alone would pass it; default {@code 10GiB}
 */
public record StorageConfig(String directory, String sync, Duration retention, ByteSize maxSize) {

  public StorageConfig {
    directory = directory == null ? "" : directory.trim();
    sync = sync == null || sync.isBlank() ? "os" : sync.trim();
    syncInterval(sync); // validates
    retention = retention == null ? Duration.ofHours(1) : retention;
    if (retention.isNegative()) {
      throw new IllegalArgumentException(
          "retention: " + retention + " (expected: a duration >= 0, e.g. 1h)");
    }
    maxSize = maxSize == null ? new ByteSize(10L << 30) : maxSize;
    if (maxSize.bytes() < (1L << 20)) {
      throw new IllegalArgumentException(
          "max_size: " + maxSize + " (expected: >= 1MiB, e.g. 10GiB)");
    }
  }

  /** Memory only: no span log. */
  @SuppressWarnings("NullAway") // null picks the defaults, as an absent YAML section does
  public static StorageConfig memoryOnly() {
    return new StorageConfig("", null, null, null);
  }

  public boolean enabled() {
    return !directory.isEmpty();
  }

  /** Whether every write is fsynced before it is acknowledged. */
  public boolean syncAlways() {
    return sync.equals("always");
  }

  /** How often the log is fsynced in the background; zero for {@code os} and {@code always}. */
  public Duration syncInterval() {
    return syncInterval(sync);
  }

  private static Duration syncInterval(String sync) {
    if (sync.equals("os") || sync.equals("always")) {
      return Duration.ZERO;
    }
    Duration interval;
    try {
      interval = DurationText.parse(sync);
    } catch (IllegalArgumentException e) {
      interval = null;
    }
    if (interval == null || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException(
          "sync: '" + sync + "' (expected: os, always, or a duration > 0 such as 1s)");
    }
    return interval;
  }
}
