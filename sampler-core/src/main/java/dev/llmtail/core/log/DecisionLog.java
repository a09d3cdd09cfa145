package dev.llmtail.core.log;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Remembers every decided trace, kept or dropped, as a compact {@link DecisionRecord}, so that "why
 * was this trace dropped?" can be answered by trace id or by conversation id.
 *
 * <p>Bounds: at most {@code maxEntries} records, none older than {@code maxAge}; the oldest go
 * first. Of a record that leaves, only the trace id, its decision time and outcome stay, in a
 * second bounded ring of the same size, so a lookup can still say "decided, but forgotten" rather
 * than "never seen" for a while. The {@link #horizon} is the decision time of the oldest record
 * still held (or the log's creation time while nothing was forgotten): decisions before it are
 * gone.
 *
 * <p>Indexes: by trace id, by decision order (for newest-first listings) and by conversation id.
 * Conversation ids come from the trace's normalised LLM calls and, for spans the normaliser does
 * not treat as LLM calls, from the {@code gen_ai.conversation.id} and {@code session.id} span
 * attributes.
 *
 * <p>Concurrency: one {@code lock} guards every structure; writes happen on the deciding thread,
 * reads on admin threads, and each holds the lock for a map operation or a bounded scan. Message
 * content is copied into records only when {@code keepContent} is set, so by default no prompt or
 * output is held here at all.
 */
public final class DecisionLog implements DecisionListener {

  /** Span attributes read for conversation ids besides the normalised LLM calls, in this order. */
  private static final String CONVERSATION_ATTRIBUTE = "gen_ai.conversation.id";

  private static final String SESSION_ATTRIBUTE = "session.id";

  private final int maxEntries;
  private final Duration maxAge;
  private final boolean keepContent;
  private final Clock clock;
  private final Instant createdAt;

  private final Object lock = new Object();
  // All guarded by lock.
  private final Map<TraceId, Entry> byTrace = new HashMap<>();
  // Decision order: a doubly linked list through the entries, oldest first, newest last. Unlike
  // a sorted map it appends, unlinks and finds the oldest in constant time without a node per
  // record (the log holds 50 000 by default and every insert evicts one when full).
  private @Nullable Entry oldest;
  private @Nullable Entry newest;
  private final Map<String, Set<TraceId>> byConversation = new HashMap<>();
  private final LinkedHashMap<TraceId, ForgottenTrace> forgotten;
  private long sequence;
  private boolean anyForgotten;

  /**
   * @param maxEntries most records held; also how many forgotten trace ids are remembered
   * @param maxAge records older than this are forgotten
   * @param keepContent whether prompts and outputs are copied into records
   */
  public DecisionLog(int maxEntries, Duration maxAge, boolean keepContent, Clock clock) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("max_entries: " + maxEntries + " (expected: >= 1)");
    }
    if (maxAge == null || maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException(
          "max_age: " + maxAge + " (expected: a duration > 0, e.g. 1h)");
    }
    this.maxEntries = maxEntries;
    this.maxAge = maxAge;
    this.keepContent = keepContent;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.createdAt = clock.instant();
    this.forgotten =
        new LinkedHashMap<>() {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<TraceId, ForgottenTrace> eldest) {
            return size() > maxEntries;
          }
        };
  }

  /** Publishes the number of records held as {@code llmtail.decision_log.entries}. */
  public DecisionLog registerMetrics(MeterRegistry meters) {
    Gauge.builder("llmtail.decision_log.entries", this, DecisionLog::size)
        .description("Decided traces the decision log can explain")
        .register(meters);
    return this;
  }

  @Override
  public void onDecided(Decision decision, TraceView trace) {
    DecisionRecord fresh = recordOf(decision, trace, keepContent);
    synchronized (lock) {
      Entry previous = byTrace.get(fresh.traceId());
      DecisionRecord record = fresh;
      if (previous != null) {
        remove(previous);
        if (decision.trigger() == DecisionTrigger.PROMOTED) {
          // "dropped at T1 …; kept at T2 …": the drop stays part of the answer.
          record = previous.record.replacedBy(fresh);
        }
      }
      Entry e = new Entry(++sequence, record);
      byTrace.put(record.traceId(), e);
      append(e);
      for (String conversation : record.conversationIds()) {
        byConversation
            .computeIfAbsent(conversation, c -> new LinkedHashSet<>())
            .add(record.traceId());
      }
      forgotten.remove(record.traceId());
      evict(clock.instant());
    }
  }

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
    synchronized (lock) {
      Entry e = byTrace.get(fragment.traceId());
      if (e != null) {
        e.lateSpans += fragment.spanCount();
      }
    }
  }

  /** The record of a decided trace, if the log still holds it. */
  public Optional<DecisionRecord> find(TraceId traceId) {
    synchronized (lock) {
      evict(clock.instant());
      Entry e = byTrace.get(traceId);
      return e == null ? Optional.empty() : Optional.of(e.snapshot());
    }
  }

  /** What is left of a trace whose record the log dropped, if it is still remembered. */
  public Optional<ForgottenTrace> forgotten(TraceId traceId) {
    synchronized (lock) {
      evict(clock.instant());
      return Optional.ofNullable(forgotten.get(traceId));
    }
  }

  /** Every held record of a conversation, newest decision first. */
  public List<DecisionRecord> conversation(String conversationId) {
    synchronized (lock) {
      evict(clock.instant());
      Set<TraceId> ids = byConversation.getOrDefault(conversationId, Set.of());
      List<Entry> entries = new ArrayList<>(ids.size());
      ids.forEach(id -> entries.add(byTrace.get(id)));
      entries.sort((a, b) -> Long.compare(b.seq, a.seq));
      return entries.stream().map(Entry::snapshot).toList();
    }
  }

  /** Up to {@code limit} held records that match, newest decision first. */
  public List<DecisionRecord> recent(Predicate<DecisionRecord> filter, int limit) {
    List<DecisionRecord> out = new ArrayList<>(Math.min(limit, 256));
    synchronized (lock) {
      evict(clock.instant());
      for (Entry e = newest; e != null; e = e.older) {
        if (out.size() >= limit) {
          break;
        }
        DecisionRecord r = e.snapshot();
        if (filter.test(r)) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /** Decisions made before this instant are no longer held. */
  public Instant horizon() {
    synchronized (lock) {
      evict(clock.instant());
      if (!anyForgotten) {
        return createdAt;
      }
      Entry first = oldest;
      return first == null ? clock.instant() : first.record.decision().decidedAt();
    }
  }

  /** Records held now. */
  public int size() {
    synchronized (lock) {
      return byTrace.size();
    }
  }

  public int maxEntries() {
    return maxEntries;
  }

  public Duration maxAge() {
    return maxAge;
  }

  public boolean keepsContent() {
    return keepContent;
  }

  private void evict(Instant now) {
    Instant cutoff = now.minus(maxAge);
    for (Entry first = oldest; first != null; first = oldest) {
      if (byTrace.size() <= maxEntries && !first.record.decision().decidedAt().isBefore(cutoff)) {
        return;
      }
      remove(first);
      anyForgotten = true;
      Decision d = first.record.decision();
      forgotten.put(
          first.record.traceId(),
          new ForgottenTrace(first.record.traceId(), d.decidedAt(), d.kept(), now));
    }
  }

  private void remove(Entry e) {
    byTrace.remove(e.record.traceId(), e);
    unlink(e);
    for (String conversation : e.record.conversationIds()) {
      Set<TraceId> ids = byConversation.get(conversation);
      if (ids != null) {
        ids.remove(e.record.traceId());
        if (ids.isEmpty()) {
          byConversation.remove(conversation);
        }
      }
    }
  }

  private void append(Entry e) {
    e.older = newest;
    if (newest == null) {
      oldest = e;
    } else {
      newest.newer = e;
    }
    newest = e;
  }

  private void unlink(Entry e) {
    if (e.older == null) {
      oldest = e.newer;
    } else {
      e.older.newer = e.newer;
    }
    if (e.newer == null) {
      newest = e.older;
    } else {
      e.newer.older = e.older;
    }
    e.older = null;
    e.newer = null;
  }

  /** The compact record of a decided trace. */
  static DecisionRecord recordOf(Decision decision, TraceView trace, boolean keepContent) {
    SpanView root = trace.root().orElse(null);
    String service;
    if (root != null) {
      service = root.serviceName();
    } else {
      service = trace.spans().isEmpty() ? "" : trace.spans().get(0).serviceName();
    }
    return new DecisionRecord(
        trace.traceId(),
        conversationIdsOf(trace),
        root == null ? "" : root.name(),
        service,
        Instant.EPOCH.plusNanos(trace.startEpochNanos()),
        Duration.ofNanos(trace.durationNanos()),
        trace.spanCount(),
        LlmSummary.of(trace.llmCalls(), keepContent),
        decision,
        0,
        List.of());
  }

  /**
   * The conversation or session ids the log indexes a trace by, in first-seen order: those of its
   * normalised LLM calls, and the {@code gen_ai.conversation.id} and {@code session.id} attributes
   * of any span.
   */
  public static List<String> conversationIdsOf(TraceView trace) {
    // Most traces have none: nothing to allocate, not even iterators (indexed loops).
    Set<String> ids = null;
    List<LlmCall> calls = trace.llmCalls();
    for (int c = 0; c < calls.size(); c++) {
      ids = add(ids, calls.get(c).conversationId());
    }
    List<SpanView> spans = trace.spans();
    for (int s = 0; s < spans.size(); s++) {
      Span span = spans.get(s).proto();
      // One pass over the span's attributes for both keys; the first of each key counts.
      String conversation = null;
      String session = null;
      for (int a = 0; a < span.getAttributesCount(); a++) {
        KeyValue kv = span.getAttributes(a);
        if (conversation == null && kv.getKey().equals(CONVERSATION_ATTRIBUTE)) {
          conversation = kv.getValue().getStringValue();
        } else if (session == null && kv.getKey().equals(SESSION_ATTRIBUTE)) {
          session = kv.getValue().getStringValue();
        }
      }
      ids = add(add(ids, conversation), session);
    }
    return ids == null ? List.of() : List.copyOf(ids);
  }

  private static @Nullable Set<String> add(@Nullable Set<String> ids, @Nullable String id) {
    if (id == null || id.isEmpty()) {
      return ids;
    }
    Set<String> to = ids == null ? new LinkedHashSet<>() : ids;
    to.add(id);
    return to;
  }

  /** A held record and the late spans counted since; guarded by the log's lock. */
  private static final class Entry {
    final long seq;
    final DecisionRecord record;
    int lateSpans;
    @Nullable Entry older;
    @Nullable Entry newer;

    Entry(long seq, DecisionRecord record) {
      this.seq = seq;
      this.record = record;
    }

    DecisionRecord snapshot() {
      return record.withLateSpans(lateSpans);
    }
  }

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {
    // Late log records change nothing the log explains.
  }
}
