package dev.llmtail.core.buffer;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.DurationFormat;
import dev.llmtail.core.GenAiReader;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Holds spans until their trace is complete, then has the {@link DecisionEngine} decide it and
 * hands the result to a {@link DecisionListener}.
 *
 * <p>A trace is decided when its root span has ended and no span arrived for the quiet period
 * ({@link DecisionTrigger#COMPLETE}), or when the hard cap since its first span passed ({@link
 * DecisionTrigger#MAX_WAIT}), or early, oldest first, when the buffer holds more than {@code
 * max_traces} traces or {@code max_bytes} span bytes ({@link DecisionTrigger#PRESSURE}), or on
 * {@link #decideAll shutdown}. A trace is never dropped undecided. Spans that arrive after their
 * trace was decided follow the remembered decision (a Caffeine cache bounded by size and age).
 *
 * <p>Design. Traces live in a Caffeine cache used as the concurrent map (keyed by {@link TraceId});
 * each span batch for a trace is applied inside {@code asMap().compute} so that appending, creating
 * and the late-span check are atomic per trace. Caffeine's own size eviction and expiry are
 * deliberately not used to decide traces: size eviction picks victims by frequency (it would decide
 * a fresh trace before an old one) and expiry fires on a timer wheel with about a second of slack,
 * too coarse for a quiet period. Instead each open trace has exactly one {@link TraceState.Timer}
 * in a skip-list ordered by deadline: set at the hard cap when the trace is created, moved earlier
 * when the root span ends, and — because spans that merely extend the quiet period leave it in
 * place — re-armed when it fires early. A second skip-list in creation order gives the oldest open
 * trace under pressure. Span bytes go to a {@link SpanStore}; only a summary stays here.
 *
 * <p>Concurrency. Any thread may {@link #admit}; {@link #decideDue} may be called from several
 * scheduler threads at once (each due timer is taken by whoever removes it from the skip-list);
 * pressure decisions run on the admitting thread. A trace is decided exactly once: whoever closes
 * its state (under the state's lock) decides it. The decision is remembered before the trace leaves
 * the map, so a span arriving at any moment either joins the open trace, waits on the closed one,
 * or finds the remembered decision. Time comes from the injected {@link Ticker}; no method sleeps.
 */
public final class TraceBuffer {

  private static final System.Logger LOG = System.getLogger(TraceBuffer.class.getName());

  private final BufferSettings settings;
  private final Supplier<DecisionEngine> engine;
  private final DecisionListener listener;
  private final SpanStore store;
  private final GenAiReader genAi;
  private final Ticker ticker;
  private final long quietNanos;
  private final long maxWaitNanos;

  private final Cache<TraceId, TraceState> traces;
  private final Cache<TraceId, RememberedDecision> decisions;
  private final ConcurrentSkipListSet<TraceState.Timer> timers = new ConcurrentSkipListSet<>();
  private final ConcurrentSkipListMap<Long, TraceState> byAge = new ConcurrentSkipListMap<>();
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicInteger bufferedTraces = new AtomicInteger();
  private final AtomicLong bufferedBytes = new AtomicLong();
  private final AtomicLong bufferedSpans = new AtomicLong();

  private final Counter spansReceived;
  private final Counter lateKept;
  private final Counter lateDropped;
  private final Counter decidedEarly;
  private final Counter logRecordsAdmitted;
  private final Counter listenerFailures;
  private final MeterRegistry meters;

  private TraceBuffer(Builder b) {
    this.settings = b.settings;
    this.engine = b.engine;
    this.listener = b.listener;
    this.store = b.store;
    this.genAi = b.genAi;
    this.ticker = b.ticker;
    this.meters = b.meters;
    this.quietNanos = settings.quietPeriod().toNanos();
    this.maxWaitNanos = settings.maxTraceWait().toNanos();
    this.traces = Caffeine.newBuilder().executor(Runnable::run).build();
    this.decisions =
        Caffeine.newBuilder()
            .maximumSize(settings.decisionCacheSize())
            .expireAfterWrite(settings.decisionCacheTtl())
            .ticker(ticker)
            .executor(Runnable::run)
            .build();
    Gauge.builder("llmtail.buffer.traces", bufferedTraces, AtomicInteger::get)
        .description("Traces waiting for a decision")
        .register(meters);
    Gauge.builder("llmtail.buffer.bytes", bufferedBytes, AtomicLong::get)
        .description("Span bytes (OTLP wire size) waiting for a decision")
        .baseUnit("bytes")
        .register(meters);
    Gauge.builder("llmtail.buffer.spans", bufferedSpans, AtomicLong::get)
        .description("Spans waiting for a decision (their trace is open or being decided)")
        .register(meters);
    spansReceived =
        Counter.builder("llmtail.buffer.spans.admitted")
            .description("Spans accepted into the buffer or routed as late spans")
            .register(meters);
    lateKept = lateCounter("kept");
    lateDropped = lateCounter("dropped");
    logRecordsAdmitted =
        Counter.builder("llmtail.buffer.log_records.admitted")
            .description("Log records with a trace id attached to their trace or routed as late")
            .register(meters);
    decidedEarly =
        Counter.builder("llmtail.buffer.decided.early")
            .description("Traces decided before they were complete because a buffer bound was hit")
            .register(meters);
    listenerFailures =
        Counter.builder("llmtail.buffer.listener.failures")
            .description("Decided traces or late spans the downstream listener failed to take")
            .register(meters);
  }

  private Counter lateCounter(String outcome) {
    return Counter.builder("llmtail.late.spans")
        .description(
            "Spans that arrived after their trace was decided, by the decision they followed")
        .tag("outcome", outcome)
        .register(meters);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Admits the fragments of one export request; decides the oldest traces if a bound is passed. */
  public void admit(List<TraceFragment> fragments) {
    for (TraceFragment fragment : fragments) {
      spansReceived.increment(fragment.spanCount());
      RememberedDecision late = admitOne(fragment);
      if (late != null) {
        forwardLate(late, fragment);
      }
    }
    relievePressure();
  }

  /**
   * Admits log records that carry a trace id (GenAI events such as {@code
   * gen_ai.evaluation.result}): they join their trace — opening it if its spans have not arrived
   * yet — feed its policies, and are forwarded exactly when it is kept. Like spans, they restart
   * the quiet period.
   */
  public void admitLogs(List<LogFragment> fragments) {
    for (LogFragment fragment : fragments) {
      logRecordsAdmitted.increment(fragment.recordCount());
      RememberedDecision late = admitLogsOne(fragment);
      if (late != null) {
        forwardLateLogs(late, fragment);
      }
    }
    relievePressure();
  }

  private RememberedDecision admitLogsOne(LogFragment fragment) {
    long now = ticker.read();
    int size = fragment.logs().getSerializedSize();
    return admitToTrace(
        fragment.traceId(),
        now,
        state -> {
          synchronized (state.lock) {
            if (state.closed) {
              if (state.decision != null) {
                return state.decision;
              }
              state.addLateLogs(fragment);
              return null;
            }
            state.addLogs(fragment.logs());
            state.bytes += size;
            state.lastSpanNanos = now;
            bufferedBytes.addAndGet(size);
            return null;
          }
        });
  }

  /**
   * Applies {@code append} to the trace's state atomically (creating the trace if it is neither
   * buffered nor remembered as decided). Returns the decision to follow now if the data is late:
   * the remembered one, or what {@code append} returned.
   */
  private RememberedDecision admitToTrace(
      TraceId traceId, long now, Function<TraceState, RememberedDecision> append) {
    RememberedDecision[] late = new RememberedDecision[1];
    traces
        .asMap()
        .compute(
            traceId,
            (id, state) -> {
              if (state == null) {
                RememberedDecision remembered = decisions.getIfPresent(id);
                if (remembered != null) {
                  late[0] = remembered;
                  return null;
                }
                state = open(id, now);
              }
              late[0] = append.apply(state);
              return state;
            });
    return late[0];
  }

  /** Returns the decision to apply now if the fragment is late for a decided trace. */
  private RememberedDecision admitOne(TraceFragment fragment) {
    long now = ticker.read();
    byte[] bytes = fragment.spans().toByteArray();
    return admitToTrace(fragment.traceId(), now, state -> append(state, fragment, bytes, now));
  }

  private TraceState open(TraceId id, long now) {
    TraceState state = new TraceState(id, sequence.incrementAndGet(), now);
    synchronized (state.lock) {
      state.timer = new TraceState.Timer(now + maxWaitNanos, state);
      timers.add(state.timer);
    }
    byAge.put(state.seq, state);
    bufferedTraces.incrementAndGet();
    return state;
  }

  /** Appends under the state's lock; returns a decision only if the trace is already decided. */
  private RememberedDecision append(
      TraceState state, TraceFragment fragment, byte[] bytes, long now) {
    synchronized (state.lock) {
      if (state.closed) {
        if (state.decision != null) {
          return state.decision;
        }
        state.addLate(fragment);
        return null;
      }
      store.append(state.traceId, bytes);
      state.spanCount += fragment.spanCount();
      state.bytes += bytes.length;
      bufferedSpans.addAndGet(fragment.spanCount());
      state.lastSpanNanos = now;
      bufferedBytes.addAndGet(bytes.length);
      if (fragment.endsRoot() && !state.rootEnded) {
        state.rootEnded = true;
        long due = Math.min(now + quietNanos, state.firstSeenNanos + maxWaitNanos);
        if (due < state.timer.deadlineNanos() && timers.remove(state.timer)) {
          state.timer = new TraceState.Timer(due, state);
          timers.add(state.timer);
        }
      }
      return null;
    }
  }

  /**
   * Decides every trace whose deadline has passed. Returns how many were decided. Called
   * periodically by one scheduler thread, and by tests after advancing the ticker.
   */
  public int decideDue() {
    int decided = 0;
    long now = ticker.read();
    while (true) {
      Iterator<TraceState.Timer> earliest = timers.iterator();
      if (!earliest.hasNext()) {
        break;
      }
      TraceState.Timer t = earliest.next();
      if (t.deadlineNanos() > now) {
        break;
      }
      if (!timers.remove(t)) {
        continue;
      }
      DecisionTrigger trigger = fire(t, now);
      if (trigger != null) {
        decide(t.state(), trigger);
        decided++;
      }
    }
    return decided;
  }

  /** Closes the trace if it is due and returns the trigger; otherwise re-arms its timer. */
  private DecisionTrigger fire(TraceState.Timer t, long now) {
    TraceState s = t.state();
    synchronized (s.lock) {
      if (s.closed || s.timer != t) {
        return null;
      }
      long hardCap = s.firstSeenNanos + maxWaitNanos;
      long quietDue = s.rootEnded ? s.lastSpanNanos + quietNanos : Long.MAX_VALUE;
      long due = Math.min(hardCap, quietDue);
      if (due > now) {
        s.timer = new TraceState.Timer(due, s);
        timers.add(s.timer);
        return null;
      }
      s.closed = true;
      s.timer = null;
      return quietDue <= hardCap ? DecisionTrigger.COMPLETE : DecisionTrigger.MAX_WAIT;
    }
  }

  /** Decides every buffered trace now, e.g. on shutdown. Returns how many were decided. */
  public int decideAll(DecisionTrigger trigger) {
    int decided = 0;
    for (TraceState s : byAge.values()) {
      if (close(s)) {
        decide(s, trigger);
        decided++;
      }
    }
    return decided;
  }

  private void relievePressure() {
    while (bufferedTraces.get() > settings.maxTraces()
        || bufferedBytes.get() > settings.maxBytes()) {
      Map.Entry<Long, TraceState> oldest = byAge.firstEntry();
      if (oldest == null) {
        return;
      }
      TraceState s = oldest.getValue();
      if (close(s)) {
        decidedEarly.increment();
        decide(s, DecisionTrigger.PRESSURE);
      } else {
        // Being decided by another thread; it leaves byAge when done. Avoid spinning on it.
        byAge.remove(oldest.getKey(), s);
      }
    }
  }

  private boolean close(TraceState s) {
    synchronized (s.lock) {
      if (s.closed) {
        return false;
      }
      s.closed = true;
      if (s.timer != null) {
        timers.remove(s.timer);
        s.timer = null;
      }
      return true;
    }
  }

  /** Decides a closed trace: exactly one thread gets here per trace. */
  private void decide(TraceState s, DecisionTrigger trigger) {
    List<byte[]> raw = store.take(s.traceId);
    List<ResourceSpans> fragments = new ArrayList<>(raw.size());
    for (byte[] bytes : raw) {
      fragments.add(parseStored(bytes));
    }
    List<ResourceLogs> logs;
    synchronized (s.lock) {
      logs = List.copyOf(s.logs()); // closed: no more logs join s.logs
    }
    TraceView view = TraceView.of(s.traceId, fragments, logs).withGenAi(genAi);
    Decision decision = engine.get().decide(view, trigger);
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
    traces.asMap().remove(s.traceId, s);
    byAge.remove(s.seq, s);
    bufferedTraces.decrementAndGet();
    bufferedBytes.addAndGet(-bytes);
    Counter.builder("llmtail.decisions")
        .description("Traces decided, by outcome and trigger")
        .tag("outcome", decision.kept() ? "kept" : "dropped")
        .tag("trigger", trigger.name().toLowerCase(Locale.ROOT))
        .register(meters)
        .increment();
    try {
      listener.onDecided(decision, view);
    } catch (RuntimeException e) {
      listenerFailed(e);
    }
    // Only after the listener took them: for a moment they count twice, never not at all.
    bufferedSpans.addAndGet(-spans);
    for (TraceFragment f : late) {
      forwardLate(remembered, f);
    }
    for (LogFragment f : lateLogs) {
      forwardLateLogs(remembered, f);
    }
  }

  private void forwardLateLogs(RememberedDecision decision, LogFragment fragment) {
    try {
      listener.onLateLogs(decision, fragment);
    } catch (RuntimeException e) {
      listenerFailed(e);
    }
  }

  private void forwardLate(RememberedDecision decision, TraceFragment fragment) {
    (decision.kept() ? lateKept : lateDropped).increment(fragment.spanCount());
    try {
      listener.onLateSpans(decision, fragment);
    } catch (RuntimeException e) {
      listenerFailed(e);
    }
  }

  /** The span path never throws: a listener bug is counted and logged, the buffer goes on. */
  private void listenerFailed(RuntimeException e) {
    listenerFailures.increment();
    LOG.log(System.Logger.Level.ERROR, "decision listener failed; the trace's spans are lost", e);
  }

  private static ResourceSpans parseStored(byte[] bytes) {
    try {
      return ResourceSpans.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      // The store only holds bytes this class encoded; anything else is a store bug.
      throw new IllegalStateException("span store returned bytes that are not ResourceSpans", e);
    }
  }

  /** Traces currently waiting for a decision. */
  public int bufferedTraces() {
    return bufferedTraces.get();
  }

  /** Span bytes currently waiting for a decision. */
  public long bufferedBytes() {
    return bufferedBytes.get();
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
      long hardCap = s.firstSeenNanos + maxWaitNanos;
      long quietDue = s.rootEnded ? s.lastSpanNanos + quietNanos : Long.MAX_VALUE;
      boolean complete = quietDue <= hardCap;
      long due = Math.min(hardCap, quietDue);
      String waitingFor;
      if (s.closed) {
        waitingFor = "it is being decided right now";
      } else if (s.rootEnded) {
        waitingFor =
            "its root span has ended; it is decided once no span arrives for quiet_period "
                + DurationFormat.format(settings.quietPeriod())
                + (complete
                    ? ""
                    : ", but max_trace_wait "
                        + DurationFormat.format(settings.maxTraceWait())
                        + " comes first");
      } else {
        waitingFor =
            "its root span has not ended yet (or has not arrived); it is decided quiet_period "
                + DurationFormat.format(settings.quietPeriod())
                + " after the root ends, or at the latest max_trace_wait "
                + DurationFormat.format(settings.maxTraceWait())
                + " after its first span";
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
              Duration.ofNanos(Math.max(0, due - now)),
              complete ? DecisionTrigger.COMPLETE : DecisionTrigger.MAX_WAIT,
              waitingFor));
    }
  }

  /** The remembered decision for a trace, if it was decided recently enough. */
  public RememberedDecision rememberedDecision(TraceId traceId) {
    return decisions.getIfPresent(traceId);
  }

  /**
   * Builds a {@link TraceBuffer}; every setting is required except the store, ticker and meters.
   */
  public static final class Builder {
    private BufferSettings settings;
    private Supplier<DecisionEngine> engine;
    private DecisionListener listener;
    private SpanStore store = new MemorySpanStore();
    private GenAiReader genAi = GenAiReader.NONE;
    private Ticker ticker = Ticker.systemTicker();
    private MeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

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
      Objects.requireNonNull(settings, "settings were not set");
      Objects.requireNonNull(engine, "engine was not set");
      Objects.requireNonNull(listener, "listener was not set");
      return new TraceBuffer(this);
    }
  }
}
