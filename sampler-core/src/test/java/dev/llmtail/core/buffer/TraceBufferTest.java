package dev.llmtail.core.buffer;

import static dev.llmtail.core.TestSpans.child;
import static dev.llmtail.core.TestSpans.endedRoot;
import static dev.llmtail.core.TestSpans.evaluationLog;
import static dev.llmtail.core.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TraceBufferTest {

  private static final Duration QUIET = Duration.ofSeconds(10);
  private static final Duration MAX_WAIT = Duration.ofMinutes(5);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Recorder recorder = new Recorder();

  /** Keeps traces whose id's low half is odd, so tests can have both outcomes. */
  private final DecisionEngine engine =
      new DecisionEngine(
          List.of(
              new NamedPolicy(
                  "odd",
                  "test",
                  t ->
                      t.traceId().low() % 2 == 1
                          ? Verdict.keep("odd trace id")
                          : Verdict.noOpinion("even trace id"))),
          Clock.systemUTC(),
          meters);

  private TraceBuffer buffer(int maxTraces, long maxBytes) {
    return TraceBuffer.builder()
        .settings(
            new BufferSettings(QUIET, MAX_WAIT, maxTraces, maxBytes, 1000, Duration.ofMinutes(10)))
        .engine(() -> engine)
        .listener(recorder)
        .ticker(now::get)
        .meters(meters)
        .build();
  }

  private TraceBuffer buffer() {
    return buffer(1000, 1 << 20);
  }

  /** A roomy buffer whose traces may hold at most {@code maxTraceSpans} spans and so many bytes. */
  private TraceBuffer limitedBuffer(int maxTraceSpans, long maxTraceBytes) {
    return TraceBuffer.builder()
        .settings(
            new BufferSettings(
                QUIET,
                MAX_WAIT,
                1000,
                1 << 20,
                1000,
                Duration.ofMinutes(10),
                maxTraceSpans,
                maxTraceBytes))
        .engine(() -> engine)
        .listener(recorder)
        .ticker(now::get)
        .meters(meters)
        .build();
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void decidesTraceOnceRootEndedAndQuietPeriodPassed() {
    TraceBuffer buffer = buffer();
    TraceId id = traceId(1);
    buffer.admit(child(id, 2));
    buffer.admit(endedRoot(id));

    advance(QUIET.minusMillis(1));
    assertThat(buffer.decideDue()).isZero();
    assertThat(recorder.decided).isEmpty();

    advance(Duration.ofMillis(1));
    assertThat(buffer.decideDue()).isEqualTo(1);
    Decision d = recorder.decided.get(0);
    assertThat(d.trigger()).isEqualTo(DecisionTrigger.COMPLETE);
    assertThat(d.kept()).isTrue();
    assertThat(recorder.spansOf(id)).isEqualTo(2);
    assertThat(buffer.bufferedTraces()).isZero();
    assertThat(buffer.bufferedBytes()).isZero();
  }

  @Test
  void decidesAtMostTheGivenNumberOfDueTracesEarliestDeadlineFirst() {
    TraceBuffer buffer = buffer();
    for (int i = 1; i <= 5; i++) {
      buffer.admit(endedRoot(traceId(i)));
      advance(Duration.ofMillis(1));
    }
    advance(QUIET);

    assertThat(buffer.decideDue(2)).isEqualTo(2);
    assertThat(recorder.decided)
        .extracting(Decision::traceId)
        .containsExactly(traceId(1), traceId(2));
    assertThat(buffer.bufferedTraces()).isEqualTo(3);
    // Fewer than asked for: none is left due.
    assertThat(buffer.decideDue(4)).isEqualTo(3);
    assertThat(buffer.decideDue(4)).isZero();
    assertThat(buffer.bufferedTraces()).isZero();
  }

  @Test
  void eachArrivingSpanRestartsTheQuietPeriod() {
    TraceBuffer buffer = buffer();
    TraceId id = traceId(1);
    buffer.admit(endedRoot(id));
    advance(Duration.ofSeconds(8));
    buffer.admit(child(id, 2));
    advance(Duration.ofSeconds(8)); // 16s after the root, 8s after the last span
    assertThat(buffer.decideDue()).isZero();

    advance(Duration.ofSeconds(2));
    assertThat(buffer.decideDue()).isEqualTo(1);
    assertThat(recorder.spansOf(id)).isEqualTo(2);
  }

  @Test
  void traceWhoseRootNeverEndsIsDecidedAtMaxTraceWait() {
    TraceBuffer buffer = buffer();
    TraceId id = traceId(1);
    buffer.admit(child(id, 2));
    advance(MAX_WAIT.minusSeconds(1));
    assertThat(buffer.decideDue()).isZero();

    advance(Duration.ofSeconds(1));
    assertThat(buffer.decideDue()).isEqualTo(1);
    assertThat(recorder.decided.get(0).trigger()).isEqualTo(DecisionTrigger.MAX_WAIT);
  }

  @Test
  void spansThatKeepArrivingCannotHoldATracePastMaxTraceWait() {
    TraceBuffer buffer = buffer();
    TraceId id = traceId(1);
    buffer.admit(endedRoot(id));
    for (int i = 0; i < 40; i++) {
      advance(Duration.ofSeconds(8)); // always inside the quiet period
      buffer.admit(child(id, 10 + i));
      buffer.decideDue();
    }
    assertThat(recorder.decided).hasSize(1);
    assertThat(recorder.decided.get(0).trigger()).isEqualTo(DecisionTrigger.MAX_WAIT);
  }

  @Test
  void decidesTheOldestTracesEarlyWhenMaxTracesIsReached() {
    TraceBuffer buffer = buffer(3, 1 << 20);
    for (long n = 1; n <= 5; n++) {
      buffer.admit(child(traceId(n), 2));
      advance(Duration.ofMillis(1));
    }
    assertThat(buffer.bufferedTraces()).isEqualTo(3);
    assertThat(recorder.decided)
        .extracting(Decision::traceId)
        .containsExactly(traceId(1), traceId(2));
    assertThat(recorder.decided)
        .allSatisfy(d -> assertThat(d.trigger()).isEqualTo(DecisionTrigger.PRESSURE));
    assertThat(meters.counter("llmtail.buffer.decided.early").count()).isEqualTo(2);
  }

  @Test
  void decidesTheOldestTracesEarlyWhenMaxBytesIsReached() {
    long oneFragment = child(traceId(1), 2).get(0).spans().getSerializedSize();
    TraceBuffer buffer = buffer(1000, oneFragment * 2);
    for (long n = 1; n <= 4; n++) {
      buffer.admit(child(traceId(n), 2));
    }
    assertThat(buffer.bufferedBytes()).isLessThanOrEqualTo(oneFragment * 2);
    assertThat(recorder.decided)
        .extracting(Decision::traceId)
        .containsExactly(traceId(1), traceId(2));
    assertThat(recorder.spansOf(traceId(1))).isEqualTo(1); // decided with what it had, not dropped
  }

  @Test
  void aTraceOverMaxTraceSpansIsDecidedAtOnceAndItsLaterSpansFollow() {
    TraceBuffer buffer = limitedBuffer(5, 1 << 20);
    TraceId runaway = traceId(1); // odd: kept
    TraceId other = traceId(3);
    buffer.admit(child(other, 2));
    for (long span = 2; span <= 6; span++) {
      buffer.admit(child(runaway, span));
    }
    assertThat(recorder.decided).isEmpty(); // 5 spans: at the limit, not over it

    buffer.admit(child(runaway, 7)); // no time passes: not the quiet period, not max_trace_wait

    assertThat(recorder.decided)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.traceId()).isEqualTo(runaway);
              assertThat(d.trigger()).isEqualTo(DecisionTrigger.MAX_TRACE_SPANS);
            });
    assertThat(recorder.spansOf(runaway)).isEqualTo(6);
    assertThat(buffer.bufferedTraces()).isEqualTo(1); // the other trace waits as before
    assertThat(
            meters.counter("llmtail.buffer.decided.over_limit", "limit", "max_trace_spans").count())
        .isEqualTo(1);

    buffer.admit(child(runaway, 8));
    buffer.admit(endedRoot(runaway));
    assertThat(recorder.lateSpans.get()).isEqualTo(2);
    assertThat(recorder.late.get(runaway).kept()).isTrue();
    assertThat(recorder.decided).hasSize(1);
    assertThat(buffer.bufferedTraces()).isEqualTo(1);
  }

  @Test
  void aTraceOverMaxTraceBytesIsDecidedAtOnce() {
    long oneFragment = child(traceId(1), 2).get(0).spans().getSerializedSize();
    TraceBuffer buffer = limitedBuffer(1000, oneFragment * 2);
    TraceId id = traceId(2);
    buffer.admit(child(id, 2));
    buffer.admit(child(id, 3));
    assertThat(recorder.decided).isEmpty();

    buffer.admit(child(id, 4));

    assertThat(recorder.decided)
        .singleElement()
        .extracting(Decision::trigger)
        .isEqualTo(DecisionTrigger.MAX_TRACE_BYTES);
    assertThat(buffer.bufferedBytes()).isZero();
    assertThat(
            meters.counter("llmtail.buffer.decided.over_limit", "limit", "max_trace_bytes").count())
        .isEqualTo(1);
  }

  @Test
  void lateSpansFollowTheDecisionAndAreCounted() {
    TraceBuffer buffer = buffer();
    TraceId kept = traceId(1);
    TraceId dropped = traceId(2);
    buffer.admit(endedRoot(kept));
    buffer.admit(endedRoot(dropped));
    advance(QUIET);
    assertThat(buffer.decideDue()).isEqualTo(2);

    buffer.admit(child(kept, 7));
    buffer.admit(child(dropped, 8));

    assertThat(recorder.late).containsOnlyKeys(kept, dropped);
    assertThat(recorder.late.get(kept).kept()).isTrue();
    assertThat(recorder.late.get(dropped).kept()).isFalse();
    assertThat(buffer.bufferedTraces()).isZero(); // late spans open no new trace
    assertThat(meters.counter("llmtail.late.spans", "outcome", "kept").count()).isEqualTo(1);
    assertThat(meters.counter("llmtail.late.spans", "outcome", "dropped").count()).isEqualTo(1);
  }

  @Test
  void spansOfATraceDecidedElsewhereFollowTheRememberedDecision() {
    TraceBuffer buffer = buffer();
    TraceId decidedElsewhere = traceId(1);
    TraceId bufferedHere = traceId(2);
    buffer.admit(child(bufferedHere, 3));
    buffer.remember(decidedElsewhere, new RememberedDecision(true, "kept elsewhere", 1));
    buffer.remember(bufferedHere, new RememberedDecision(false, "dropped elsewhere", 1));

    buffer.admit(child(decidedElsewhere, 7));

    assertThat(recorder.late).containsOnlyKeys(decidedElsewhere);
    assertThat(recorder.late.get(decidedElsewhere).reason()).isEqualTo("kept elsewhere");
    assertThat(buffer.bufferedTraces()).as("a buffered trace is left to decide here").isEqualTo(1);
  }

  @Test
  void aSpanArrivingAfterTheDecisionIsForgottenStartsANewTrace() {
    TraceBuffer buffer = buffer();
    TraceId id = traceId(1);
    buffer.admit(endedRoot(id));
    advance(QUIET);
    buffer.decideDue();
    advance(Duration.ofMinutes(11)); // past the decision cache ttl

    buffer.admit(child(id, 2));
    assertThat(recorder.late).isEmpty();
    assertThat(buffer.bufferedTraces()).isEqualTo(1);
  }

  @Test
  void decideAllDecidesEveryBufferedTraceAtOnce() {
    TraceBuffer buffer = buffer();
    for (long n = 1; n <= 3; n++) {
      buffer.admit(child(traceId(n), 2));
    }
    assertThat(buffer.decideAll(DecisionTrigger.SHUTDOWN)).isEqualTo(3);
    assertThat(recorder.decided)
        .hasSize(3)
        .allSatisfy(d -> assertThat(d.trigger()).isEqualTo(DecisionTrigger.SHUTDOWN));
    assertThat(buffer.bufferedTraces()).isZero();
    assertThat(buffer.decideDue()).isZero();
  }

  @Test
  void everySpanAdmittedConcurrentlyIsDecidedOrFollowsTheDecisionExactlyOnce() throws Exception {
    TraceBuffer buffer = buffer(50, 1 << 20); // small bound: pressure decisions race with admits
    int traces = 200;
    int spansPerTrace = 20;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> work =
          IntStream.range(0, traces * spansPerTrace)
              .mapToObj(
                  i ->
                      pool.submit(
                          () -> {
                            TraceId id = traceId(1 + i % traces);
                            buffer.admit(child(id, 2 + i / traces));
                            if (i % 97 == 0) {
                              buffer.decideDue();
                            }
                          }))
              .<Future<?>>map(f -> f)
              .toList();
      for (Future<?> f : work) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    buffer.decideAll(DecisionTrigger.SHUTDOWN);
    long delivered =
        recorder.decidedSpans.values().stream().mapToLong(AtomicLong::get).sum()
            + recorder.lateSpans.get();
    assertThat(delivered).isEqualTo((long) traces * spansPerTrace);
    assertThat(buffer.bufferedTraces()).isZero();
    assertThat(buffer.bufferedBytes()).isZero();
  }

  @Test
  void logRecordsTravelWithTheirTraceEvenWhenTheyArriveFirst() {
    TraceBuffer buffer = buffer();
    TraceId id = traceId(1);
    buffer.admitLogs(evaluationLog(id, "fail"));
    buffer.admit(endedRoot(id));
    buffer.admitLogs(evaluationLog(id, "pass"));
    advance(QUIET);
    buffer.decideDue();
    assertThat(recorder.decidedLogRecords.get(id)).isEqualTo(2);
    assertThat(recorder.spansOf(id)).isEqualTo(1);
  }

  @Test
  void aLogRecordRestartsTheQuietPeriodLikeASpan() {
    TraceBuffer buffer = buffer();
    TraceId id = traceId(1);
    buffer.admit(endedRoot(id));
    advance(Duration.ofSeconds(8));
    buffer.admitLogs(evaluationLog(id, "fail")); // an evaluator answered 8 s after the call
    advance(Duration.ofSeconds(8));
    assertThat(buffer.decideDue()).isZero();
    advance(Duration.ofSeconds(2));
    assertThat(buffer.decideDue()).isEqualTo(1);
  }

  @Test
  void lateLogRecordsFollowTheDecision() {
    TraceBuffer buffer = buffer();
    TraceId kept = traceId(1);
    buffer.admit(endedRoot(kept));
    advance(QUIET);
    buffer.decideDue();
    buffer.admitLogs(evaluationLog(kept, "fail"));
    assertThat(recorder.lateLogs).containsKey(kept);
    assertThat(recorder.lateLogs.get(kept).kept()).isTrue();
    assertThat(buffer.bufferedTraces()).isZero();
  }

  /** Records what the buffer hands downstream. */
  private static final class Recorder implements DecisionListener {
    final List<Decision> decided = new CopyOnWriteArrayList<>();
    final Map<TraceId, AtomicLong> decidedSpans = new ConcurrentHashMap<>();
    final Map<TraceId, RememberedDecision> late = new ConcurrentHashMap<>();
    final AtomicLong lateSpans = new AtomicLong();
    final Map<TraceId, Integer> decidedLogRecords = new ConcurrentHashMap<>();
    final Map<TraceId, RememberedDecision> lateLogs = new ConcurrentHashMap<>();

    @Override
    public void onDecided(Decision decision, TraceView trace) {
      decided.add(decision);
      decidedSpans
          .computeIfAbsent(decision.traceId(), k -> new AtomicLong())
          .addAndGet(trace.spanCount());
      decidedLogRecords.put(decision.traceId(), trace.logRecordCount());
    }

    @Override
    public void onLateLogs(RememberedDecision decision, LogFragment fragment) {
      lateLogs.put(fragment.traceId(), decision);
    }

    @Override
    public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
      late.put(fragment.traceId(), decision);
      lateSpans.addAndGet(fragment.spanCount());
    }

    long spansOf(TraceId id) {
      AtomicLong n = decidedSpans.get(id);
      return n == null ? 0 : n.get();
    }
  }
}
