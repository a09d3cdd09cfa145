package dev.llmtail.server.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.llmtail.core.Decision;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.status.SpanSource;
import java.time.Duration;
import java.util.Optional;

/**
 * The spans of recently kept traces, so that {@code /debug} draws a kept trace's waterfall without
 * asking the backend it was exported to.
 *
 * <p>A Caffeine cache bounded by the traces' OTLP wire bytes ({@link #DEFAULT_MAX_BYTES}, about
 * three times that on the heap once parsed) and by age (the decision log's {@code max_age}, after
 * which the decision itself is gone). It holds the {@link TraceView} the policies saw, which the
 * deciding thread already built: recording a kept trace costs one map entry, no copy. Dropped
 * traces are not held here (that is the span log's job); spans that arrive after the decision are
 * not added (the waterfall shows what the decision saw).
 */
public final class KeptSpans implements DecisionListener, SpanSource {

  /** 16 MiB of kept spans: a few hundred typical LLM traces. */
  public static final long DEFAULT_MAX_BYTES = 16L * 1024 * 1024;

  private final Cache<TraceId, TraceView> kept;

  /**
   * @param maxBytes wire bytes of kept spans held at most
   * @param maxAge how long a kept trace is held after its decision
   */
  public KeptSpans(long maxBytes, Duration maxAge, Ticker ticker) {
    this.kept =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((TraceId id, TraceView view) -> weight(view))
            .expireAfterWrite(maxAge)
            .ticker(ticker)
            .executor(Runnable::run)
            .build();
  }

  /** The trace's wire bytes: the stored fragments' lengths, not a walk of the decoded spans. */
  private static int weight(TraceView view) {
    return (int) Math.min(Integer.MAX_VALUE, view.wireBytes());
  }

  @Override
  public void onDecided(Decision decision, TraceView trace) {
    if (decision.kept()) {
      kept.put(trace.traceId(), trace);
    }
  }

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {}

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {}

  @Override
  public Optional<TraceView> spans(TraceId traceId) {
    return Optional.ofNullable(kept.getIfPresent(traceId));
  }
}
