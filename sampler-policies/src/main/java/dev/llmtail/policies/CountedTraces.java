package dev.llmtail.policies;

import dev.llmtail.core.TraceView;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The traces a windowed policy has already counted, so that a trace evaluated twice (a replay, a
 * re-decision) is counted once. Remembers the last 100 000 trace ids. Not thread-safe: callers hold
 * their own lock.
 */
final class CountedTraces {

  private static final int REMEMBERED = 100_000;

  private final Map<String, Boolean> seen =
      new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED;
        }
      };

  /** Whether this is the first time {@code trace} is counted; remembers it. */
  boolean firstTime(TraceView trace) {
    return seen.putIfAbsent(trace.traceId().toHex(), Boolean.TRUE) == null;
  }
}
