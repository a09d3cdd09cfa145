package dev.llmtail.server.receiver.kafka;

import dev.llmtail.core.Decision;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.RememberedDecision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Which offset of each owned partition may be committed: the oldest record holding a trace that is
 * not yet decided and (when kept) delivered by the exporter, or the next offset to read when there
 * is none. A consumer that takes over the partition — after a rebalance, or after this process
 * crashed — re-reads from there, so no trace is lost, not even one waiting in the exporter's queue.
 *
 * <p>Design. Every consumed record is {@link #track tracked} with the trace ids it carries before
 * its spans are admitted to the buffer; {@link #guard the listener} wrapped around the exporter and
 * the decision log settles a dropped trace once they took it, and a kept one once the exporter says
 * it is {@link #delivered} (delivered, spilled to disk or refused by the backend for good); the
 * head of each partition moves past records whose traces are all settled. Late spans of a kept
 * trace still waiting for delivery settle with it. On revocation ({@link #revoke}) the partition's
 * traces still undecided are <em>disowned</em>: when the buffer decides them later, the decision
 * goes nowhere — not exported, not logged (the new owner re-reads and decides them). Traces decided
 * here whose records lie past the commit point are decided again by the new owner: {@link #revoke}
 * returns how many (a kept one not yet delivered among them: its export raced the revocation).
 *
 * <p>This class is the one place that knows the offset rule, so that a durable span log can later
 * replace it (committing once spans are in the log instead of once decided).
 *
 * <p>Concurrency. The consumer thread tracks, revokes and reads commit points; decider threads
 * settle. All state is guarded by {@code lock}; no method blocks on anything else.
 */
public final class OffsetLedger {

  /** One consumed record: the traces it carries, how many of them are not settled yet. */
  private static final class Entry {
    final List<TraceId> traces;
    int unsettled;

    Entry(List<TraceId> traces) {
      this.traces = traces;
      this.unsettled = traces.size();
    }
  }

  /** A record of an owned partition from its commit point on, and the next offset to read. */
  private static final class Partition {
    final TreeMap<Long, Entry> records = new TreeMap<>();
    long next = -1;

    /**
     * Traces the previous owner decided, listed in its commit: skipped before {@code skipUntil}.
     */
    Set<TraceId> decidedBefore = Set.of();

    /** The outcomes of {@code decidedBefore} that the commit carried. */
    Map<TraceId, RememberedDecision> outcomesBefore = Map.of();

    long skipUntil = -1;

    /** Outcomes of decided traces that still have records here, for the metadata. */
    final Map<TraceId, RememberedDecision> outcomes = new HashMap<>();

    /** Decided traces past the commit point that the last commit listed. */
    Set<TraceId> listed = Set.of();

    long commitPoint() {
      return records.isEmpty() ? next : records.firstKey();
    }

    void prune() {
      while (!records.isEmpty() && records.firstEntry().getValue().unsettled == 0) {
        records.pollFirstEntry();
      }
    }
  }

  private record Ref(Partition partition, long offset) {}

  /**
   * Commit metadata: {@code llmtail2;<next offset>;<trace id hex><outcome>,…} — the traces decided
   * past the commit point, so that the next owner does not decide them again on their later
   * messages alone, and applies their outcome ({@code +<adjusted count>} kept, {@code -} dropped,
   * nothing if unknown) to spans of theirs that arrive after it took over. Kept under the brokers'
   * default {@code offset.metadata.max.bytes} (4096).
   */
  static final String METADATA_PREFIX = "llmtail2;";

  /** What llmtail wrote before the metadata carried outcomes: trace ids only. */
  static final String METADATA_PREFIX_V1 = "llmtail1;";

  /** The reason on late spans that follow a decision inherited with a partition. */
  static final String INHERITED_KEPT = "kept by the previous owner of the Kafka partition";

  static final String INHERITED_DROPPED = "dropped by the previous owner of the Kafka partition";

  static final int METADATA_MAX_CHARS = 4000;

  private final Counter handedBack;
  private final Object lock = new Object();
  // @GuardedBy("lock")
  private final Map<TopicPartition, Partition> partitions = new HashMap<>();
  // @GuardedBy("lock")
  private final Map<TraceId, List<Ref>> pending = new HashMap<>();
  // @GuardedBy("lock")
  private final Set<TraceId> disowned = new HashSet<>();
  // @GuardedBy("lock") kept traces handed to the exporter, settled once it delivered them
  private final Set<TraceId> awaitingDelivery = new HashSet<>();

  /** Counts the spans of handed-back traces in {@code llmtail.kafka.spans.handed_back}. */
  public OffsetLedger(MeterRegistry meters) {
    this.handedBack =
        Counter.builder("llmtail.kafka.spans.handed_back")
            .description(
                "Spans of traces of revoked partitions, decided here without effect: their new"
                    + " owner re-reads them")
            .register(meters);
  }

  /**
   * Records that {@code offset} of {@code partition} carries {@code traces}; call before its spans
   * go to the buffer. A record without a trace (undecodable, untraced logs) settles at once.
   */
  public void track(TopicPartition partition, long offset, Collection<TraceId> traces) {
    synchronized (lock) {
      Partition p = partitions.computeIfAbsent(partition, tp -> new Partition());
      p.next = offset + 1;
      if (traces.isEmpty()) {
        p.prune();
        return;
      }
      List<TraceId> ids = List.copyOf(new HashSet<>(traces));
      p.records.put(offset, new Entry(ids));
      for (TraceId id : ids) {
        pending.computeIfAbsent(id, k -> new ArrayList<>(2)).add(new Ref(p, offset));
        // The partition came back while the trace still waited here: export it after all.
        disowned.remove(id);
      }
    }
  }

  /**
   * Records a message whose traces the previous owner decided: it does not hold the commit back,
   * but its traces stay listed as decided in this owner's commits, for the owner after it.
   */
  public void trackDecided(TopicPartition partition, long offset, Collection<TraceId> traces) {
    synchronized (lock) {
      Partition p = partitions.computeIfAbsent(partition, tp -> new Partition());
      p.next = offset + 1;
      Entry e = new Entry(List.copyOf(new HashSet<>(traces)));
      e.unsettled = 0;
      for (TraceId id : e.traces) {
        RememberedDecision outcome = p.outcomesBefore.get(id);
        if (outcome != null) {
          p.outcomes.put(id, outcome);
        }
      }
      p.records.put(offset, e);
      p.prune();
    }
  }

  /**
   * Settles a kept trace once the exporter no longer needs llmtail's memory for it: delivered,
   * spilled, or refused by the backend for good. Wire it to the exporter's settle callback.
   */
  public void delivered(TraceId traceId) {
    synchronized (lock) {
      if (awaitingDelivery.remove(traceId)) {
        settleLocked(traceId);
      }
    }
  }

  /** Marks every record holding {@code traceId} as done with that trace. */
  void settle(TraceId traceId) {
    synchronized (lock) {
      settleLocked(traceId);
    }
  }

  /** A kept trace about to be handed to the exporter: it settles on {@link #delivered}. */
  void awaitDelivery(TraceId traceId) {
    synchronized (lock) {
      if (pending.containsKey(traceId)) {
        awaitingDelivery.add(traceId);
      }
    }
  }

  /** Settles a trace's records after its decision, unless it waits for delivery. */
  void settleUnlessAwaited(TraceId traceId) {
    synchronized (lock) {
      if (!awaitingDelivery.contains(traceId)) {
        settleLocked(traceId);
      }
    }
  }

  /** Gives up waiting for the delivery of a trace whose export threw: commits must not stall. */
  void settleFailed(TraceId traceId) {
    synchronized (lock) {
      awaitingDelivery.remove(traceId);
      settleLocked(traceId);
    }
  }

  // @GuardedBy("lock")
  private void settleLocked(TraceId traceId) {
    List<Ref> refs = pending.remove(traceId);
    if (refs == null) {
      return;
    }
    for (Ref ref : refs) {
      Entry e = ref.partition().records.get(ref.offset());
      if (e != null) {
        e.unsettled--;
      }
      ref.partition().prune();
    }
  }

  /**
   * The offsets to commit for the given partitions (those consumed from at least once), each with
   * the traces already decided past it as metadata.
   */
  public Map<TopicPartition, OffsetAndMetadata> commitPoints(Collection<TopicPartition> owned) {
    Map<TopicPartition, OffsetAndMetadata> points = new HashMap<>();
    synchronized (lock) {
      for (TopicPartition tp : owned) {
        Partition p = partitions.get(tp);
        if (p != null && p.next >= 0) {
          StringBuilder metadata = new StringBuilder(METADATA_PREFIX).append(p.next).append(';');
          Set<TraceId> listed = new HashSet<>();
          Set<TraceId> inRecords = new HashSet<>();
          for (Entry e : p.records.values()) {
            for (TraceId id : e.traces) {
              inRecords.add(id);
              if (!pending.containsKey(id) && !disowned.contains(id) && !listed.contains(id)) {
                String entry = CommitMetadata.entry(id, p.outcomes.get(id));
                if (metadata.length() + entry.length() <= METADATA_MAX_CHARS) {
                  metadata.append(entry);
                  listed.add(id);
                }
              }
            }
          }
          p.outcomes.keySet().retainAll(inRecords);
          p.listed = listed;
          points.put(tp, new OffsetAndMetadata(p.commitPoint(), metadata.toString()));
        }
      }
    }
    return points;
  }

  /**
   * Takes over a partition whose last commit is {@code committed} (null if none): messages before
   * the previous owner's position whose traces it listed as decided are {@link #alreadyDecided}.
   * Returns the outcomes the commit carried, for spans of those traces that arrive later to follow
   * (see {@link dev.llmtail.core.buffer.TraceBuffer#remember}).
   */
  public Map<TraceId, RememberedDecision> resume(
      TopicPartition partition, @Nullable OffsetAndMetadata committed) {
    CommitMetadata.Parsed parsed = CommitMetadata.parse(committed);
    if (parsed == null) {
      return Map.of();
    }
    synchronized (lock) {
      Partition p = partitions.computeIfAbsent(partition, tp -> new Partition());
      p.decidedBefore = parsed.decided();
      p.outcomesBefore = Map.copyOf(parsed.outcomes());
      p.skipUntil = parsed.until();
    }
    return Map.copyOf(parsed.outcomes());
  }

  /**
   * Whether the previous owner of {@code partition} already decided every trace of the message at
   * {@code offset}: it is then {@link #track tracked} without traces and not admitted again.
   */
  public boolean alreadyDecided(TopicPartition partition, long offset, Collection<TraceId> traces) {
    synchronized (lock) {
      Partition p = partitions.get(partition);
      return p != null
          && offset < p.skipUntil
          && !traces.isEmpty()
          && p.decidedBefore.containsAll(traces);
    }
  }

  /**
   * Forgets revoked partitions after their commit points were committed: their undecided traces are
   * disowned (their decision here goes nowhere; the new owner decides them). Returns how many
   * traces decided here the new owner will read and decide again: decided after the commit was
   * built (their export raced the revocation), or beyond what the commit's metadata could list.
   */
  public int revoke(Collection<TopicPartition> revoked) {
    synchronized (lock) {
      Set<TraceId> redelivered = new HashSet<>();
      for (TopicPartition tp : revoked) {
        Partition p = partitions.remove(tp);
        if (p == null) {
          continue;
        }
        for (Entry e : p.records.values()) {
          for (TraceId id : e.traces) {
            if (awaitingDelivery.remove(id)) {
              // Kept and handed to the exporter, not delivered yet: the new owner exports it too.
              pending.remove(id);
              redelivered.add(id);
            } else if (pending.remove(id) != null) {
              disowned.add(id);
            } else if (!disowned.contains(id) && !p.listed.contains(id)) {
              redelivered.add(id);
            }
          }
        }
      }
      return redelivered.size();
    }
  }

  /** Traces of revoked partitions that are still waiting here for their decision. */
  public int disownedTraces() {
    synchronized (lock) {
      return disowned.size();
    }
  }

  /** Keeps a decision taken here for the commit metadata of the partitions holding its trace. */
  void recordOutcome(TraceId traceId, Decision decision) {
    synchronized (lock) {
      List<Ref> refs = pending.get(traceId);
      if (refs != null) {
        RememberedDecision outcome =
            new RememberedDecision(decision.kept(), decision.reason(), decision.adjustedCount());
        refs.forEach(ref -> ref.partition().outcomes.put(traceId, outcome));
      }
    }
  }

  boolean release(TraceId traceId) {
    synchronized (lock) {
      return disowned.remove(traceId);
    }
  }

  boolean isDisowned(TraceId traceId) {
    synchronized (lock) {
      return disowned.contains(traceId);
    }
  }

  /**
   * Wraps the buffer's listener (exporter, decision log, metrics): the decisions of disowned traces
   * are not passed on — handed back, as if never decided here — and every other trace settles once
   * the listener, and so the exporter, took it.
   */
  public DecisionListener guard(DecisionListener exporter) {
    return new LedgerGuard(this, exporter, handedBack);
  }
}
