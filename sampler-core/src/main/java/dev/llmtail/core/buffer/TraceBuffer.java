package dev.llmtail.core.buffer;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.GenAiReader;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Holds spans until their trace is complete, then has the {@link DecisionEngine} decide it and
 * hands the result to a {@link DecisionListener}.
 *
 * <p>A trace is decided when its root span has ended and no span arrived for the quiet period
 * ({@link DecisionTrigger#COMPLETE}), or when the hard cap since its first span passed ({@link
 * DecisionTrigger#MAX_WAIT}), or at once when it alone holds more than {@code max_trace_spans}
 * spans or {@code max_trace_bytes} span bytes ({@link DecisionTrigger#MAX_TRACE_SPANS}, {@link
 * DecisionTrigger#MAX_TRACE_BYTES}: a runaway trace cannot fill the buffer), or early, oldest
 * first, when the buffer holds more than {@code max_traces} traces or {@code max_bytes} span bytes
 * ({@link DecisionTrigger#PRESSURE}), or on {@link #decideAll shutdown}. A trace is never dropped
 * undecided. Spans that arrive after their trace was decided follow the remembered decision (a
 * Caffeine cache bounded by size and age); once it forgot one, a {@link DecisionRecall} may still
 * find it for a fragment that should follow it.
 *
 * <p>Design. This class admits: traces live in a Caffeine cache used as the concurrent map (keyed
 * by {@link TraceId}); each span batch for a trace is applied inside {@code asMap().compute} so
 * that appending, creating, the late-span check and the per-trace limit check are atomic per trace.
 * Caffeine's own size eviction is deliberately not used to decide traces: it picks victims by
 * frequency (it would decide a fresh trace before an old one). When each trace is due is {@link
 * Deadlines}' job, deciding one is {@link TraceDecider}'s, the numbers are {@link BufferMetrics}'.
 * Span bytes go to a {@link SpanStore}; only a summary ({@link TraceState}) stays here.
 *
 * <p>Concurrency. Any thread may {@link #admit}; {@link #decideDue} may be called from several
 * threads at once (each due timer is taken by whoever removes it). Pressure and per-trace limit
 * decisions run on the admitting thread, after the map's compute returned. A trace is decided
 * exactly once: whoever closes its state (under the state's lock) decides it. Time comes from the
 * injected {@link Ticker}; no method sleeps.
 */
public final class TraceBuffer {

  private final BufferSettings settings;
  private final SpanStore store;
  private final GenAiReader genAi;
  private final Ticker ticker;
  private final Cache<TraceId, TraceState> traces;
  private final Cache<TraceId, RememberedDecision> decisions;
  private final DecisionCache decisionCache;
  private final Deadlines deadlines;
  private final TraceDecider decider;
  private final BufferMetrics metrics;
  private final TraceAdmitter admitter;

  private TraceBuffer(Builder b) {
    this.settings = Objects.requireNonNull(b.settings, "settings were not set");
    this.store = b.store;
    this.genAi = b.genAi;
    this.ticker = b.ticker;
    this.traces = Caffeine.newBuilder().executor(Runnable::run).build();
    this.decisionCache = new DecisionCache(settings, ticker);
    this.decisions = decisionCache.cache();
    this.deadlines = new Deadlines(settings);
    this.metrics = new BufferMetrics(b.meters, settings);
    this.decider =
        new TraceDecider(
            Objects.requireNonNull(b.engine, "engine was not set"),
            Objects.requireNonNull(b.listener, "listener was not set"),
            b.revision,
            store,
            b.genAi,
            decisions,
            metrics,
            s -> {
              traces.asMap().remove(s.traceId, s);
              deadlines.forget(s);
            });
    this.admitter =
        new TraceAdmitter(
            settings, store, traces, decisions, deadlines, decider, metrics, b.recall);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Admits the fragments of one export request; decides the oldest traces if a bound is passed. */
  public void admit(List<TraceFragment> fragments) {
    for (TraceFragment fragment : fragments) {
      admitter.admitSpans(fragment, ticker.read());
    }
    relievePressure();
  }

  /**
   * Restores a fragment read back from a span log after a restart, as if it had arrived {@code ago}
   * before now: its trace's quiet period and hard cap run from the original arrival, so a trace
   * restored with its time already up is decided on the next {@link #decideDue}. Restore each
   * trace's fragments in arrival order.
   */
  public void restore(TraceFragment fragment, Duration ago) {
    admitter.admitSpans(fragment, ticker.read() - Math.max(0, ago.toNanos()));
    relievePressure();
  }

  /** Restores log records read back from a span log, like {@link #restore}. */
  public void restoreLogs(LogFragment fragment, Duration ago) {
    admitter.admitLogs(fragment, ticker.read() - Math.max(0, ago.toNanos()));
    relievePressure();
  }

  /**
   * Admits log records that carry a trace id (GenAI events such as {@code
   * gen_ai.evaluation.result}): they join their trace — opening it if its spans have not arrived
   * yet — feed its policies, and are forwarded exactly when it is kept. Like spans, they restart
   * the quiet period and count toward the trace's byte limit.
   */
  public void admitLogs(List<LogFragment> fragments) {
    for (LogFragment fragment : fragments) {
      admitter.admitLogs(fragment, ticker.read());
    }
    relievePressure();
  }

  /** Decides every trace whose deadline has passed; returns how many. Safe from several threads. */
  public int decideDue() {
    return decideDue(Integer.MAX_VALUE);
  }

  /**
   * Decides at most {@code max} traces whose deadline has passed; returns how many, fewer than
   * {@code max} only when no trace was left due. The sidecar's deciders call it in chunks, so they
   * can see a backlog while deciding it. Safe from several threads at once.
   */
  public int decideDue(int max) {
    int decided = 0;
    long now = ticker.read();
    for (Deadlines.Due due; decided < max && (due = deadlines.nextDue(now)) != null; decided++) {
      decider.decide(due.state(), due.trigger());
    }
    decisionCache.maintain();
    return decided;
  }

  /** Decides every buffered trace now, e.g. on shutdown. Returns how many were decided. */
  public int decideAll(DecisionTrigger trigger) {
    int decided = 0;
    for (TraceState s : deadlines.all()) {
      if (deadlines.close(s)) {
        decider.decide(s, trigger);
        decided++;
      }
    }
    decisionCache.maintain();
    return decided;
  }

  private void relievePressure() {
    while (metrics.traces.get() > settings.maxTraces()
        || metrics.bytes.get() > settings.maxBytes()) {
      Map.Entry<Long, TraceState> oldest = deadlines.oldest();
      if (oldest == null) {
        return;
      }
      TraceState s = oldest.getValue();
      if (deadlines.close(s)) {
        metrics.decidedEarly.increment();
        decider.decide(s, DecisionTrigger.PRESSURE);
      } else {
        // Being decided by another thread; it leaves the index when done. Avoid spinning on it.
        deadlines.forget(s);
      }
    }
  }

  /** Traces currently waiting for a decision. */
  public int bufferedTraces() {
    return metrics.traces.get();
  }

  /** Span bytes currently waiting for a decision. */
  public long bufferedBytes() {
    return metrics.bytes.get();
  }

  /**
   * Describes a trace that is waiting for its decision, or returns empty if the buffer does not
   * hold it (never seen, or already decided). Read-only; safe from any thread.
   */
  public Optional<BufferedTraceInfo> describe(TraceId traceId) {
    TraceState s = traces.getIfPresent(traceId);
    if (s == null) {
      return Optional.empty();
    }
    long now = ticker.read();
    synchronized (s.lock) {
      if (s.decision != null) {
        return Optional.empty();
      }
      return Optional.of(
          new BufferedTraceInfo(
              traceId,
              s.spanCount,
              s.bytes,
              s.rootEnded,
              s.closed,
              Duration.ofNanos(Math.max(0, now - s.firstSeenNanos)),
              Duration.ofNanos(Math.max(0, now - s.lastSpanNanos)),
              Duration.ofNanos(Math.max(0, deadlines.dueNanos(s) - now)),
              deadlines.expectedTrigger(s),
              s.rule == null ? settings.quietPeriod() : s.rule.quietPeriod(),
              s.rule == null ? settings.maxTraceWait() : s.rule.maxTraceWait(),
              Optional.ofNullable(s.rule)));
    }
  }

  /**
   * The spans of a trace still waiting for its decision, as its policies would see them now (with
   * the LLM calls read from them), or empty if the buffer does not hold it or it is being decided.
   * Read-only; safe from any thread; the trace may be decided a moment later.
   */
  public Optional<TraceView> bufferedSpans(TraceId traceId) {
    TraceState s = traces.getIfPresent(traceId);
    if (s == null) {
      return Optional.empty();
    }
    List<byte[]> raw;
    List<ResourceLogs> logs;
    synchronized (s.lock) {
      if (s.closed) {
        return Optional.empty();
      }
      // Appends to the store happen under this lock, and a trace's spans are only taken once it
      // is closed: what is read here is every span admitted so far.
      raw = store.peek(traceId);
      logs = List.copyOf(s.logs());
    }
    List<ResourceSpans> fragments = new ArrayList<>(raw.size());
    decider.readStored(traceId, raw, new ArrayList<>(raw.size()), fragments);
    return Optional.of(TraceView.of(traceId, fragments, logs).withGenAi(genAi));
  }

  /**
   * Keeps a trace after it was dropped ({@link DecisionTrigger#PROMOTED}): reads its spans with
   * {@code retained}, has {@code keep} decide (on request, or by policies that see the late
   * evidence), remembers the new decision (later spans follow it) and tells the listener, which
   * exports the trace. Nothing happens, and empty is returned, while the trace is buffered (it has
   * not been decided, or a late span reopened it), when {@code retained} holds nothing, or when
   * {@code keep} does not keep it.
   *
   * <p>The spans are read and the decision remembered inside the trace's entry in the buffer map,
   * so a span admitted meanwhile either is among those read or follows the new decision — not
   * neither. Callers serialise promotions of one trace themselves (the span log says whether it is
   * still dropped).
   *
   * @param keep decides on the retained trace: a kept decision triggered by {@link
   *     DecisionTrigger#PROMOTED}, or empty to leave the trace dropped
   */
  public Optional<Decision> promote(
      TraceId traceId,
      Supplier<Optional<TraceView>> retained,
      Function<TraceView, Optional<Decision>> keep) {
    Decision[] decision = {null};
    TraceView[] view = {null};
    traces
        .asMap()
        .compute(
            traceId,
            (id, state) -> {
              if (state != null) {
                return state;
              }
              Optional<TraceView> held = retained.get();
              if (held.isEmpty()) {
                return null;
              }
              view[0] = held.get().withGenAi(genAi);
              Optional<Decision> kept = keep.apply(view[0]);
              if (kept.isEmpty()) {
                return null;
              }
              Decision d = kept.get();
              if (!d.kept() || d.trigger() != DecisionTrigger.PROMOTED) {
                throw new IllegalArgumentException(
                    "a promotion must keep, with trigger PROMOTED; got " + d);
              }
              decisions.put(id, RememberedDecision.of(d));
              decision[0] = d;
              return null;
            });
    if (decision[0] == null) {
      return Optional.empty();
    }
    decider.promoted(decision[0], view[0]);
    return Optional.of(decision[0]);
  }

  /**
   * Remembers a decision taken elsewhere (by the previous owner of a Kafka partition): spans of the
   * trace that arrive later follow it, as late spans do. A trace buffered here is left alone, and a
   * decision already remembered here wins.
   */
  public void remember(TraceId traceId, RememberedDecision decision) {
    if (traces.getIfPresent(traceId) == null) {
      decisions.asMap().putIfAbsent(traceId, decision);
    }
  }

  /** The remembered decision for a trace, if it was decided recently enough. */
  public Optional<RememberedDecision> rememberedDecision(TraceId traceId) {
    return Optional.ofNullable(decisions.getIfPresent(traceId));
  }

  /** Builds a {@link TraceBuffer}; all is required but revision, recall, store, ticker, meters. */
  public static final class Builder {
    private @Nullable BufferSettings settings;
    private @Nullable Supplier<DecisionEngine> engine;
    private @Nullable DecisionListener listener;
    private DecisionRevision revision = DecisionRevision.NONE;
    private DecisionRecall recall = DecisionRecall.NONE;
    private SpanStore store = new MemorySpanStore();
    private GenAiReader genAi = GenAiReader.NONE;
    private Ticker ticker = Ticker.systemTicker();
    private MeterRegistry meters = new SimpleMeterRegistry();

    private Builder() {}

    public Builder settings(BufferSettings settings) {
      this.settings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /** The engine to decide with; a supplier so a reloaded policy set applies to the next trace. */
    public Builder engine(Supplier<DecisionEngine> engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    public Builder listener(DecisionListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Revises each decision before it is remembered and told to the listener; default none. */
    public Builder revision(DecisionRevision revision) {
      this.revision = Objects.requireNonNull(revision, "revision");
      return this;
    }

    /** Recalls decisions the decision cache forgot; default none (late fragments open a trace). */
    public Builder recall(DecisionRecall recall) {
      this.recall = Objects.requireNonNull(recall, "recall");
      return this;
    }

    public Builder store(SpanStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** Reads LLM calls and evaluations from each trace before its policies run. */
    public Builder genAi(GenAiReader reader) {
      this.genAi = Objects.requireNonNull(reader, "reader");
      return this;
    }

    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    public Builder meters(MeterRegistry meters) {
      this.meters = Objects.requireNonNull(meters, "meters");
      return this;
    }

    public TraceBuffer build() {
      return new TraceBuffer(this);
    }
  }
}
