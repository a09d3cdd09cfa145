package dev.llmtail.server.config;

import dev.llmtail.core.DecisionEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Keeps the policy set in step with the config file: {@link #check} re-reads the file and, when its
 * text changed and is valid, swaps in a new {@link DecisionEngine} atomically; an invalid change is
 * logged with every error and the running set stays.
 *
 * <p>Design. The file is polled by content (SHA-256 of its bytes), not by modification time or a
 * {@code WatchService}: a Kubernetes ConfigMap volume changes by swapping a symlink, which neither
 * notices reliably, and two writes within the file system's timestamp resolution would look like
 * one. Reading a small file once a second is cheap. A rejected text is remembered by its hash, so
 * it is logged once, not on every check.
 *
 * <p>Only the policies are reloaded: receivers, buffer, exporter and admin sections hold open
 * ports, threads and files, so a change there is logged, key by key, as needing a restart, the
 * running values stay, and {@link #pendingRestart} holds the file's values ({@code /debug/config}
 * shows both). Stateful policies (rate and bytes limits) start afresh in the new set.
 *
 * <p>Concurrency. {@link #check} is called from one thread (a scheduler); {@link #engine} and
 * {@link #active} may be read from any thread. Traces decided after the swap use the new engine; a
 * trace being decided during the swap uses whichever it read, and its decision names that engine's
 * version. Buffered traces are untouched by a reload.
 */
public final class ConfigReloader {

  private static final System.Logger LOG = System.getLogger(ConfigReloader.class.getName());

  /** What one {@link #check} did. */
  public enum Outcome {
    /** The file's text is the one already applied or already rejected. */
    UNCHANGED,
    /** A new policy set is active. */
    APPLIED,
    /** The new text is invalid or unreadable; the running set stays. */
    REJECTED
  }

  /** The last change that was rejected: when, the file's hash and every problem. */
  public record Rejection(Instant at, String sha256, String problems) {}

  private final Path file;
  private final ConfigLoader loader;
  private final Clock clock;
  private final MeterRegistry meters;
  private final AtomicReference<ActiveConfig> active = new AtomicReference<>();
  private final AtomicReference<Rejection> lastRejection = new AtomicReference<>();
  private final AtomicReference<PendingRestart> pendingRestart = new AtomicReference<>();
  private final Counter applied;
  private final Counter rejected;
  private String lastSeen; // only touched by the checking thread

  /**
   * Starts at version 1 with {@code initial}, the config already loaded from {@code file}; the
   * file's current text is taken as the one applied.
   */
  public ConfigReloader(
      Path file, LlmtailConfig initial, ConfigLoader loader, Clock clock, MeterRegistry meters) {
    this.file = file;
    this.loader = loader;
    this.clock = clock;
    this.meters = meters;
    String hash;
    try {
      hash = sha256(Files.readAllBytes(Objects.requireNonNull(file, "file")));
    } catch (IOException e) {
      // Loaded a moment ago; if it is gone now, the next readable text will be applied.
      hash = "unreadable";
    }
    this.lastSeen = hash;
    active.set(
        new ActiveConfig(
            1,
            hash,
            clock.instant(),
            initial,
            new DecisionEngine(initial.policies(), clock, meters, 1)));
    Gauge.builder("llmtail.config.version", this, r -> r.active().version())
        .description("Version of the active policy set: 1 at start, one more per applied reload")
        .register(meters);
    this.applied = reloads("applied");
    this.rejected = reloads("rejected");
  }

  private Counter reloads(String outcome) {
    return Counter.builder("llmtail.config.reloads")
        .description("Config file changes seen, by whether they were applied or rejected")
        .tag("outcome", outcome)
        .register(meters);
  }

  /** The engine of the active policy set; what the buffer decides with. */
  public Supplier<DecisionEngine> engine() {
    return () -> active().engine();
  }

  /** The active config. */
  public ActiveConfig active() {
    return Objects.requireNonNull(active.get(), "set by the constructor");
  }

  /** The last rejected change, if any since start. */
  public Optional<Rejection> lastRejection() {
    return Optional.ofNullable(lastRejection.get());
  }

  /**
   * The keys whose new values in the file wait for a restart, if the last applied change of the
   * file has any.
   */
  public Optional<PendingRestart> pendingRestart() {
    return Optional.ofNullable(pendingRestart.get());
  }

  /** The watched file. */
  public Path file() {
    return file;
  }

  /** Re-reads the file and applies its text if it changed and is valid. Never throws. */
  public Outcome check() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      return reject("unreadable", file + ": cannot read the config file: " + e);
    }
    String hash = sha256(bytes);
    if (hash.equals(lastSeen)) {
      return Outcome.UNCHANGED;
    }
    LlmtailConfig loaded;
    try {
      loaded = loader.parse(file, new String(bytes, StandardCharsets.UTF_8));
    } catch (ConfigException e) {
      return reject(hash, String.valueOf(e.getMessage()));
    } catch (RuntimeException e) {
      // A policy provider that throws while building is a bug, but must not stop the watch.
      return reject(hash, file + ": the config could not be built: " + e);
    }
    lastSeen = hash;
    ActiveConfig running = active();
    LlmtailConfig current = running.config();
    List<String> needRestart = PendingRestart.changedKeys(current, loaded);
    pendingRestart.set(
        needRestart.isEmpty() ? null : new PendingRestart(needRestart, clock.instant(), loaded));
    LlmtailConfig effective =
        new LlmtailConfig(
            current.source(),
            current.receivers(),
            current.buffer(),
            loaded.policies(),
            current.exporter(),
            current.admin(),
            loaded.policyOptions(),
            current.storage(),
            current.conversations());
    int version = running.version() + 1;
    active.set(
        new ActiveConfig(
            version,
            hash,
            clock.instant(),
            effective,
            new DecisionEngine(loaded.policies(), clock, meters, version)));
    applied.increment();
    LOG.log(
        System.Logger.Level.INFO,
        "config {0} reloaded: version {1}, {2} policies ({3})",
        file,
        version,
        loaded.policies().size(),
        String.join(", ", loaded.policies().stream().map(p -> p.name()).toList()));
    if (!needRestart.isEmpty()) {
      LOG.log(
          System.Logger.Level.WARNING,
          "config {0}: {1} changed in the file and take effect only after a restart; llmtail"
              + " runs with the values it started with (/debug/config shows both)",
          file,
          String.join(", ", needRestart));
    }
    return Outcome.APPLIED;
  }

  private Outcome reject(String hash, String problems) {
    if (hash.equals(lastSeen)) {
      return Outcome.UNCHANGED;
    }
    lastSeen = hash;
    lastRejection.set(new Rejection(clock.instant(), hash, problems));
    rejected.increment();
    LOG.log(
        System.Logger.Level.ERROR,
        "config {0} changed but was not applied; still running version {1}. Fix the file and save"
            + " it again:\n{2}",
        file,
        active().version(),
        problems);
    return Outcome.REJECTED;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
