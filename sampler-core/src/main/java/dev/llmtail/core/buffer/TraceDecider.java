package dev.llmtail.core.buffer;

import com.github.benmanes.caffeine.cache.Cache;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.GenAiReader;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Decides a closed trace and hands the result downstream: reads its spans back from the {@link
 * SpanStore}, has the {@link DecisionEngine} decide, remembers the decision for late spans, tells
 * the {@link DecisionListener}, and lets the spans that arrived while it was being decided follow.
 *
 * <p>Order matters: the decision is remembered before the trace leaves the buffer, so a span
 * arriving at any moment either waits on the closed trace or finds the remembered decision. The
 * listener is never allowed to throw into the span path: a failure is counted and logged.
 */
final class TraceDecider {

  private static final System.Logger LOG = System.getLogger(TraceBuffer.class.getName());

  private final Supplier<DecisionEngine> engine;
  private final DecisionListener listener;
  private final DecisionRevision revision;
  private final SpanStore store;
  private final GenAiReader genAi;
  private final Cache<TraceId, RememberedDecision> decisions;
  private final BufferMetrics metrics;
  private final Consumer<TraceState> leave;

  /**
   * @param leave removes a decided trace from the buffer's indexes
   */
  TraceDecider(
      Supplier<DecisionEngine> engine,
      DecisionListener listener,
      DecisionRevision revision,
      SpanStore store,
      GenAiReader genAi,
      Cache<TraceId, RememberedDecision> decisions,
      BufferMetrics metrics,
      Consumer<TraceState> leave) {
    this.engine = engine;
    this.listener = listener;
    this.revision = revision;
    this.store = store;
    this.genAi = genAi;
    this.decisions = decisions;
    this.metrics = metrics;
    this.leave = leave;
  }

  /** Decides a closed trace: exactly one thread gets here per trace. */
  void decide(TraceState s, DecisionTrigger trigger) {
    List<byte[]> raw = new ArrayList<>();
    List<ResourceSpans> fragments = new ArrayList<>();
    readStored(s.traceId, store.take(s.traceId), raw, fragments);
    List<ResourceLogs> logs;
    synchronized (s.lock) {
      logs = List.copyOf(s.logs()); // closed: no more logs join s.logs
    }
    TraceView view = TraceView.stored(s.traceId, raw, fragments, logs).withGenAi(genAi);
    Decision decision = revise(engine.get().decide(view, trigger), view);
    RememberedDecision remembered = RememberedDecision.of(decision);
    decisions.put(s.traceId, remembered);
    List<TraceFragment> late;
    List<LogFragment> lateLogs;
    long bytes;
    int spans;
    synchronized (s.lock) {
      s.decision = remembered;
      late = s.drainLate();
      lateLogs = s.drainLateLogs();
      bytes = s.bytes;
      spans = s.spanCount;
    }
    leave.accept(s);
    metrics.traces.decrementAndGet();
    metrics.bytes.addAndGet(-bytes);
    metrics.decided(decision);
    try {
      listener.onDecided(decision, view);
    } catch (RuntimeException e) {
      listenerFailed(e);
    }
    // Only after the listener took them: for a moment they count twice, never not at all.
    metrics.spans.addAndGet(-spans);
    for (TraceFragment f : late) {
      forwardLate(remembered, f);
    }
    for (LogFragment f : lateLogs) {
      forwardLateLogs(remembered, f);
    }
  }

  private Decision revise(Decision decided, TraceView view) {
    try {
      return revision.revise(decided, view);
    } catch (RuntimeException e) {
      // A revision bug must not lose the trace: the engine's decision stands.
      metrics.listenerFailures.increment();
      LOG.log(System.Logger.Level.ERROR, "revising a decision failed; the engine's stands", e);
      return decided;
    }
  }

  /** Tells the listener of a dropped trace kept afterwards ({@link TraceBuffer#promote}). */
  void promoted(Decision decision, TraceView view) {
    try {
      listener.onDecided(decision, view);
    } catch (RuntimeException e) {
      listenerFailed(e);
    }
  }

  void forwardLateLogs(RememberedDecision decision, LogFragment fragment) {
    try {
      listener.onLateLogs(decision, fragment);
    } catch (RuntimeException e) {
      listenerFailed(e);
    }
  }

  void forwardLate(RememberedDecision decision, TraceFragment fragment) {
    metrics.late(decision.kept(), fragment.spanCount());
    try {
      listener.onLateSpans(decision, fragment);
    } catch (RuntimeException e) {
      listenerFailed(e);
    }
  }

  /** The span path never throws: a listener bug is counted and logged, the buffer goes on. */
  private void listenerFailed(RuntimeException e) {
    metrics.listenerFailures.increment();
    LOG.log(System.Logger.Level.ERROR, "decision listener failed; the trace's spans are lost", e);
  }

  /**
   * Parses a trace's stored fragments into {@code parsed}, and their bytes into {@code readable}
   * (same order). A fragment that does not parse (the receivers checked every fragment as
   * protobuf's parser would, so this is a bug) is counted in {@code
   * llmtail.buffer.fragments.unreadable}, logged and left out: the trace is decided, and its other
   * fragments exported, without it.
   */
  void readStored(
      TraceId traceId, List<byte[]> stored, List<byte[]> readable, List<ResourceSpans> parsed) {
    FragmentDecoder decoder = new FragmentDecoder();
    for (int i = 0; i < stored.size(); i++) {
      byte[] bytes = stored.get(i);
      try {
        parsed.add(decoder.decode(bytes));
        readable.add(bytes);
      } catch (InvalidProtocolBufferException e) {
        metrics.unreadableFragments.increment();
        LOG.log(
            System.Logger.Level.ERROR,
            "fragment "
                + (i + 1)
                + " of "
                + stored.size()
                + " of trace "
                + traceId
                + " ("
                + bytes.length
                + " bytes) read back from the span store is not an encoded ResourceSpans ("
                + e.getMessage()
                + "); the trace is decided on its other fragments and these spans are lost",
            e);
      }
    }
  }
}
