package dev.llmtail.server.storage;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** No span log: spans live in memory only, and a crash loses what was buffered. */
enum MemoryOnlySpanLog implements SpanLog {
  INSTANCE;

  @Override
  public List<TraceFragment> append(List<TraceFragment> spans, List<LogFragment> logs) {
    return spans;
  }

  @Override
  public void decided(TraceId traceId, RememberedDecision decision) {}

  @Override
  public void exported(TraceId traceId) {}

  @Override
  public RecoveryReport recover(Consumer<RecoveredTrace> recovered) {
    return RecoveryReport.EMPTY;
  }

  @Override
  public boolean durable() {
    return false;
  }

  @Override
  public Optional<Instant> heldUntil(TraceId traceId) {
    return Optional.empty();
  }

  @Override
  public void sweep() {}

  @Override
  public @Nullable String refusal() {
    return null;
  }

  @Override
  public void close() {}
}
