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

/**
 * A span log for tests that keeps nothing and recovers nothing, as {@link SpanLog#memoryOnly()},
 * but says it is on disk ({@link SpanLog#durable()}'s default) and can be extended: a test
 * overrides the one behaviour it watches (an append, a decision it answers with).
 */
public class KeepNothingSpanLog implements SpanLog {

  private final SpanLog none = SpanLog.memoryOnly();

  @Override
  public List<TraceFragment> append(List<TraceFragment> spans, List<LogFragment> logs) {
    return none.append(spans, logs);
  }

  @Override
  public void decided(TraceId traceId, RememberedDecision decision) {
    none.decided(traceId, decision);
  }

  @Override
  public void exported(TraceId traceId) {
    none.exported(traceId);
  }

  @Override
  public RecoveryReport recover(Consumer<RecoveredTrace> recovered) {
    return none.recover(recovered);
  }

  @Override
  public Optional<Instant> heldUntil(TraceId traceId) {
    return none.heldUntil(traceId);
  }

  @Override
  public void sweep() {
    none.sweep();
  }

  @Override
  public @Nullable String refusal() {
    return none.refusal();
  }

  @Override
  public void close() {
    none.close();
  }
}
