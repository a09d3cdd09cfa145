package dev.llmtail.core.buffer;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory summary of one buffered trace. Every field but the final ones is guarded by {@link
 * #lock}; {@link TraceBuffer} holds it while appending, {@link Deadlines} while rescheduling and
 * closing, {@link TraceDecider} while deciding.
 *
 * <p>Life cycle: open (spans are appended to the store) → closed (a thread has taken it to decide;
 * spans that still arrive wait in {@link #late}) → decided ({@link #decision} set; the late spans
 * follow it).
 */
final class TraceState {

  final Object lock = new Object();
  final TraceId traceId;

  /** Creation order: smaller is older. */
  final long seq;

  final long firstSeenNanos;

  long lastSpanNanos;
  boolean rootEnded;

  /** Whether the root span arrived (and the completion rules were checked against it). */
  boolean rootSeen;

  /** The completion rule the root span matched, or null: the buffer's timing. */
  @Nullable CompletionRule rule;

  int spanCount;
  long bytes;
  boolean closed;
  @Nullable RememberedDecision decision;
  @Nullable List<TraceFragment> late;

  /** Log records (GenAI events) of this trace; null until one arrives. */
  @Nullable List<ResourceLogs> logs;

  @Nullable List<LogFragment> lateLogs;
  @Nullable Timer timer;

  TraceState(TraceId traceId, long seq, long nowNanos) {
    this.traceId = traceId;
    this.seq = seq;
    this.firstSeenNanos = nowNanos;
    this.lastSpanNanos = nowNanos;
  }

  /** A scheduled check of one trace; ordered by deadline, then by trace age. */
  record Timer(long deadlineNanos, TraceState state) implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(deadlineNanos, o.deadlineNanos);
      return c != 0 ? c : Long.compare(state.seq, o.state.seq);
    }
  }

  List<TraceFragment> drainLate() {
    List<TraceFragment> drained = late == null ? List.of() : late;
    late = null;
    return drained;
  }

  void addLogs(ResourceLogs fragment) {
    if (logs == null) {
      logs = new ArrayList<>(2);
    }
    logs.add(fragment);
  }

  List<ResourceLogs> logs() {
    return logs == null ? List.of() : logs;
  }

  void addLateLogs(LogFragment fragment) {
    if (lateLogs == null) {
      lateLogs = new ArrayList<>(1);
    }
    lateLogs.add(fragment);
  }

  List<LogFragment> drainLateLogs() {
    List<LogFragment> drained = lateLogs == null ? List.of() : lateLogs;
    lateLogs = null;
    return drained;
  }

  void addLate(TraceFragment fragment) {
    if (late == null) {
      late = new ArrayList<>(2);
    }
    late.add(fragment);
  }
}
