package dev.llmtail.core.buffer;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.ingest.TraceFragment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link SpanStore} on the heap: the encoded bytes of each fragment, nothing else (the fragment's
 * own array, as sliced from the request: not copied).
 */
public final class MemorySpanStore implements SpanStore {

  private final ConcurrentHashMap<TraceId, List<byte[]>> fragments = new ConcurrentHashMap<>();

  @Override
  public void append(TraceFragment fragment) {
    fragments.computeIfAbsent(fragment.traceId(), id -> new ArrayList<>(4)).add(fragment.encoded());
  }

  @Override
  public List<byte[]> peek(TraceId traceId) {
    List<byte[]> held = fragments.get(traceId);
    return held == null ? List.of() : List.copyOf(held);
  }

  @Override
  public List<byte[]> take(TraceId traceId) {
    List<byte[]> taken = fragments.remove(traceId);
    return taken == null ? List.of() : taken;
  }
}
