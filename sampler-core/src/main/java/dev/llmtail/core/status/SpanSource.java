package dev.llmtail.core.status;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import java.util.Optional;

/**
 * Somewhere a trace's spans can still be read after they arrived: the buffer (traces waiting for
 * their decision), the recently kept traces, and a span log that retains dropped traces. {@code
 * /debug} asks each in turn to draw the trace's waterfall.
 *
 * <p>Implementations answer from memory or local disk, never over the network, and are safe to call
 * from any thread. The view carries its LLM calls already read ({@link TraceView#withGenAi}), so
 * that the waterfall can mark them.
 */
@FunctionalInterface
public interface SpanSource {

  /** A source that holds nothing. */
  SpanSource NONE = traceId -> Optional.empty();

  /** The spans held for {@code traceId}, or empty if this source holds none of them. */
  Optional<TraceView> spans(TraceId traceId);
}
