package dev.llmtail.server.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.llmtail.core.buffer.BufferSettings;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The keys of the config file whose new values wait for a restart, since when, and the file's
 * config that holds them; empty when the file asks for what runs.
 *
 * <p>Keys are compared one by one (record components, recursively) between what runs and what the
 * file says, so a change of one key names that key, and a change undone by a later edit is no
 * longer pending.
 *
 * @param keys dotted keys as the file writes them, e.g. {@code receivers.grpc.endpoint}
 * @param file the config as the file says, whose values for {@code keys} are not applied
 */
public record PendingRestart(List<String> keys, Instant since, LlmtailConfig file) {

  private static final PropertyNamingStrategies.NamingBase SNAKE_CASE =
      (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

  /** The buffer's settings under the keys the file uses (two sections feed one record). */
  private static final Map<String, String> BUFFER_KEYS =
      Map.of(
          "quietPeriod", "buffer.quiet_period",
          "maxTraceWait", "buffer.max_trace_wait",
          "maxTraces", "buffer.max_traces",
          "maxBytes", "buffer.max_bytes",
          "decisionCacheSize", "decision_cache.max_entries",
          "decisionCacheTtl", "decision_cache.ttl");

  public PendingRestart {
    keys = List.copyOf(keys);
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(file, "file");
  }

  /** The keys outside the policies on which {@code file} differs from {@code running}. */
  static List<String> changedKeys(LlmtailConfig running, LlmtailConfig file) {
    List<String> keys = new ArrayList<>();
    diff("receivers", running.receivers(), file.receivers(), keys);
    for (RecordComponent c : BufferSettings.class.getRecordComponents()) {
      if (!Objects.equals(value(c, running.buffer()), value(c, file.buffer()))) {
        keys.add(BUFFER_KEYS.getOrDefault(c.getName(), "buffer." + snake(c.getName())));
      }
    }
    diff("exporter", running.exporter(), file.exporter(), keys);
    diff("admin", running.admin(), file.admin(), keys);
    diff("storage", running.storage(), file.storage(), keys);
    diff("conversations", running.conversations(), file.conversations(), keys);
    return keys;
  }

  private static void diff(String key, Object running, Object file, List<String> keys) {
    if (Objects.equals(running, file)) {
      return;
    }
    if (running == null || file == null || !running.getClass().isRecord()) {
      keys.add(key);
      return;
    }
    for (RecordComponent c : running.getClass().getRecordComponents()) {
      diff(key + "." + snake(c.getName()), value(c, running), value(c, file), keys);
    }
  }

  private static Object value(RecordComponent c, Object record) {
    try {
      return c.getAccessor().invoke(record);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + c + " of a config record", e);
    }
  }

  private static String snake(String name) {
    return SNAKE_CASE.translate(name);
  }
}
