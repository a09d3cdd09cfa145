package dev.llmtail.server.promotion;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.llmtail.core.Decision;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.Vote;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.DecisionRevision;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.log.DecisionRecord;
import dev.llmtail.server.config.ConversationsConfig;
import dev.llmtail.server.promotion.KeepResult.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Keeps whole conversations: when a trace with a conversation id is kept on evidence, the other
 * traces of that conversation the span log still retains are exported too (promoted, reason {@code
 * kept with conversation <id>}), and later turns decided within {@code conversations.follow_window}
 * are kept with that reason.
 *
 * <p>Design. Two hooks on the decision path. As the last {@link DecisionListener} (after the
 * decision log, which then knows the kept trace and every earlier turn) it starts following the
 * conversation and promotes the earlier turns through {@link TracePromoter#keep}. As the buffer's
 * {@link DecisionRevision} it keeps a dropped later turn of a followed conversation before anything
 * downstream sees the drop, so it is exported like any kept trace (not promoted).
 *
 * <p>"On evidence" means a keep vote by a policy that does not sample or spend a budget ({@link
 * EvidencePolicies#NOT_AGAIN}): a trace kept only by the baseline does not pull its conversation
 * in; neither does a trace kept with its conversation (no cascade) or kept on request ({@code POST
 * /debug/conversations/{id}/keep} asks for a conversation). An explicit drop vote is never
 * overruled. Every trace kept with a conversation counts toward {@code conversations.max_traces}.
 *
 * <p>Concurrency. Followed conversations live in a bounded Caffeine cache of immutable entries,
 * replaced inside the map's {@code compute}, so the count per conversation is exact under
 * concurrent deciders. Time comes from the injected clock. The follow state is in memory: a restart
 * ends every follow window.
 */
public final class ConversationKeeper implements DecisionListener, DecisionRevision {

  /** The policy name and type of the verdict that explains a trace kept with its conversation. */
  static final String POLICY = "conversation";

  /** The reason of a trace kept with its conversation, followed by the conversation id. */
  public static final String REASON = "kept with conversation ";

  /** Conversations followed at once; beyond it the least recently used ends early. */
  private static final int MAX_FOLLOWED = 100_000;

  /** Promotes a retained trace: {@link TracePromoter#keep}. */
  @FunctionalInterface
  public interface Promotion {
    KeepResult keep(TraceId traceId, String reason, List<PolicyVerdict> verdicts);
  }

  /** A followed conversation: until when, how many traces it kept, and which trace began it. */
  private record Followed(Instant until, int kept, String keptTrace, String keptBecause) {}

  private final ConversationsConfig config;
  private final DecisionLog log;
  private final Promotion promotion;
  private final Clock clock;
  private final Cache<String, Followed> followed =
      Caffeine.newBuilder().maximumSize(MAX_FOLLOWED).executor(Runnable::run).build();
  private final Counter earlierTurns;
  private final Counter laterTurns;
  private final Counter capped;

  /**
   * @param log the decision log that knows each conversation's traces
   * @param promotion keeps an earlier turn the span log still retains
   */
  public ConversationKeeper(
      ConversationsConfig config,
      DecisionLog log,
      Promotion promotion,
      MeterRegistry meters,
      Clock clock) {
    this.config = config;
    this.log = log;
    this.promotion = promotion;
    this.clock = clock;
    this.earlierTurns = kept(meters, "earlier");
    this.laterTurns = kept(meters, "later");
    this.capped =
        Counter.builder("llmtail.conversations.capped")
            .description(
                "Turns not kept with their conversation: it had conversations.max_traces already")
            .register(meters);
  }

  private static Counter kept(MeterRegistry meters, String turn) {
    return Counter.builder("llmtail.conversations.kept")
        .description(
            "Traces kept with their conversation: earlier turns the span log still held"
                + " (promoted), later turns within conversations.follow_window")
        .tag("turn", turn)
        .register(meters);
  }

  @Override
  public Decision revise(Decision decision, TraceView trace) {
    if (!config.keepSiblings()
        || decision.kept()
        || followed.estimatedSize() == 0
        || anyDrop(decision)) {
      return decision;
    }
    Instant now = clock.instant();
    for (String conversation : DecisionLog.conversationIdsOf(trace)) {
      Followed f = take(conversation, now);
      if (f != null) {
        laterTurns.increment();
        List<PolicyVerdict> verdicts = new ArrayList<>(decision.verdicts());
        verdicts.add(verdict(conversation, f));
        return new Decision(
            decision.traceId(),
            true,
            REASON + conversation,
            1,
            decision.trigger(),
            decision.decidedAt(),
            verdicts,
            decision.configVersion());
      }
    }
    return decision;
  }

  @Override
  public void onDecided(Decision decision, TraceView trace) {
    if (!config.keepSiblings() || !keptOnEvidence(decision)) {
      return;
    }
    List<String> conversations = DecisionLog.conversationIdsOf(trace);
    if (conversations.isEmpty()) {
      return;
    }
    Instant until = clock.instant().plus(config.followWindow());
    String because = decision.reason();
    for (String conversation : conversations) {
      followed
          .asMap()
          .merge(
              conversation,
              new Followed(until, 0, trace.traceId().toHex(), because),
              (old, fresh) -> new Followed(until, old.kept(), fresh.keptTrace(), because));
      keepEarlierTurns(conversation, trace.traceId());
    }
  }

  private void keepEarlierTurns(String conversation, TraceId kept) {
    for (DecisionRecord r : log.conversation(conversation)) {
      if (r.traceId().equals(kept) || r.decision().kept()) {
        continue;
      }
      Followed f = take(conversation, clock.instant());
      if (f == null) {
        return; // capped (counted), or no longer followed
      }
      KeepResult result =
          promotion.keep(r.traceId(), REASON + conversation, List.of(verdict(conversation, f)));
      if (result.outcome() == Outcome.KEPT) {
        earlierTurns.increment();
      } else {
        release(conversation); // no longer retained, or kept meanwhile: it took no place
      }
    }
  }

  /** Takes one place of a followed conversation; null (a capped turn counted) if there is none. */
  private @Nullable Followed take(String conversation, Instant now) {
    Followed[] taken = {null};
    followed
        .asMap()
        .computeIfPresent(
            conversation,
            (c, f) -> {
              if (!f.until().isAfter(now)) {
                return null; // the window ended: forget it
              }
              if (f.kept() >= config.maxTraces()) {
                capped.increment();
                return f;
              }
              taken[0] = new Followed(f.until(), f.kept() + 1, f.keptTrace(), f.keptBecause());
              return taken[0];
            });
    return taken[0];
  }

  private void release(String conversation) {
    followed
        .asMap()
        .computeIfPresent(
            conversation,
            (c, f) ->
                new Followed(f.until(), Math.max(0, f.kept() - 1), f.keptTrace(), f.keptBecause()));
  }

  private static PolicyVerdict verdict(String conversation, Followed f) {
    return new PolicyVerdict(
        POLICY,
        POLICY,
        Verdict.keep(
            "a turn of conversation "
                + conversation
                + ", whose trace "
                + f.keptTrace()
                + " was "
                + f.keptBecause(),
            Evidence.ofTrace("conversation", conversation, "trace " + f.keptTrace() + " kept")));
  }

  /** Kept by a policy that judged the trace, not by a sampler, a budget, a request or this. */
  static boolean keptOnEvidence(Decision decision) {
    if (!decision.kept()) {
      return false;
    }
    for (PolicyVerdict v : decision.verdicts()) {
      if (v.verdict().vote() == Vote.KEEP
          && !v.type().equals(POLICY)
          && !EvidencePolicies.NOT_AGAIN.contains(v.type())) {
        return true;
      }
    }
    return false;
  }

  /** Whether a policy voted to drop: an explicit drop is never overruled. */
  private static boolean anyDrop(Decision decision) {
    for (PolicyVerdict v : decision.verdicts()) {
      if (v.verdict().vote() == Vote.DROP) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {}

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {}
}
