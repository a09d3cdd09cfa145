package dev.llmtail.server.promotion;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.SamplingAnnotations;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.buffer.BufferSettings;
import dev.llmtail.core.buffer.FanOutListener;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.log.DecisionRecord;
import dev.llmtail.server.config.ByteSize;
import dev.llmtail.server.config.StorageConfig;
import dev.llmtail.server.exporter.ExportStatus;
import dev.llmtail.server.exporter.KeptTraceForwarder;
import dev.llmtail.server.exporter.SpanExporter;
import dev.llmtail.server.storage.SpanLog;
import dev.llmtail.server.storage.SpanLogDecisions;
import dev.llmtail.testing.MutableClock;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evidence that arrives after the decision cache forgot a dropped trace ({@code
 * decision_cache.ttl}, 10 min) but while the span log still retains its spans ({@code
 * storage.retention}, 1 h) promotes it, as evidence within the cache's time does; evidence after
 * retention is counted too late and explained. Wired as the sidecar wires it, over a span log on
 * disk, with time moved by hand.
 */
class LateEvidenceAfterDecisionCacheTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration QUIET = Duration.ofSeconds(10);
  private static final Duration CACHE_TTL = Duration.ofMinutes(10);
  private static final Duration RETENTION = Duration.ofHours(1);

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Exported exported = new Exported();
  private SpanLog log;
  private DecisionLog decisions;
  private TraceBuffer buffer;
  private TracePromoter promoter;

  /** Keeps a trace an evaluator labelled incorrect. */
  private final DecisionEngine engine =
      new DecisionEngine(
          List.of(
              new NamedPolicy(
                  "flagged",
                  "semantic-flag",
                  t ->
                      flagged(t)
                          ? Verdict.keep("an evaluator labelled it incorrect")
                          : Verdict.noOpinion("no evaluator flagged it"))),
          clock,
          meters);

  private static boolean flagged(TraceView trace) {
    for (ResourceLogs rl : trace.logs()) {
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        for (LogRecord r : sl.getLogRecordsList()) {
          if (r.getAttributesList().stream()
              .anyMatch(kv -> kv.getValue().getStringValue().equals("incorrect"))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** What reached the exporter. */
  private static final class Exported implements SpanExporter {
    final List<Span> spans = new ArrayList<>();
    int logRecords;

    @Override
    public boolean export(List<ResourceSpans> batch, int spanCount) {
      for (ResourceSpans rs : batch) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          spans.addAll(ss.getSpansList());
        }
      }
      return true;
    }

    @Override
    public boolean exportLogs(List<ResourceLogs> logs, int recordCount) {
      logRecords += recordCount;
      return true;
    }

    @Override
    public ExportStatus status() {
      return ExportStatus.working("test");
    }

    @Override
    public void shutdown(Duration deadline) {}

    List<String> names() {
      return spans.stream().map(Span::getName).toList();
    }
  }

  @BeforeEach
  void wire() {
    log =
        SpanLog.open(
            new StorageConfig(
                dir.resolve("data").toString(), "os", RETENTION, new ByteSize(1L << 30)),
            clock,
            meters);
    // Longer than retention, so that it still knows the drop after the span log let it go.
    decisions = new DecisionLog(1000, Duration.ofHours(2), false, clock);
    AtomicReference<TracePromoter> late = new AtomicReference<>();
    buffer =
        TraceBuffer.builder()
            .settings(
                new BufferSettings(
                    QUIET,
                    Duration.ofMinutes(5),
                    1000,
                    1 << 20,
                    1000,
                    CACHE_TTL,
                    Integer.MAX_VALUE,
                    Long.MAX_VALUE))
            .engine(() -> engine)
            .listener(
                new FanOutListener(
                    List.of(
                        new SpanLogDecisions(log),
                        new KeptTraceForwarder(exported, meters),
                        decisions,
                        new LateEvidence(id -> late.get().weighLateEvidence(id)))))
            .store(log.spanStore())
            .recall(new SpanLogRecall(log, decisions))
            .ticker(nanos::get)
            .meters(meters)
            .build();
    promoter = new TracePromoter(buffer, log, decisions, RETENTION, () -> engine, meters, clock);
    late.set(promoter);
  }

  @AfterEach
  void close() {
    log.close();
  }

  private void advance(Duration d) {
    clock.advance(d);
    nanos.addAndGet(d.toNanos());
  }

  /** A healthy chat that no policy keeps: dropped once its quiet period passed. */
  private TraceBuilder droppedChat() {
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat").child("chat gpt-4o").attribute("gen_ai.operation.name", "chat");
    buffer.admit(log.append(trace.fragments(), List.of()));
    advance(QUIET);
    assertThat(buffer.decideDue()).isEqualTo(1);
    assertThat(decisions.find(trace.traceId()).orElseThrow().decision().kept()).isFalse();
    return trace;
  }

  /** What a receiver does with an evaluator's verdict: the span log first, then the buffer. */
  private void receiveEvaluation(TraceId traceId, String label) {
    List<LogFragment> fragments =
        List.of(
            SpanLogRecallTest.event(
                traceId,
                "gen_ai.evaluation.result",
                "gen_ai.evaluation.name",
                "answer_correctness",
                "gen_ai.evaluation.score.label",
                label));
    log.append(List.of(), fragments);
    buffer.admitLogs(fragments);
  }

  private static boolean promoted(Span s) {
    return s.getAttributesList().stream()
        .anyMatch(
            kv -> kv.getKey().equals(SamplingAnnotations.PROMOTED) && kv.getValue().getBoolValue());
  }

  private double counter(String name) {
    return meters.get(name).counter().count();
  }

  @Test
  void anEvaluationAfterTheDecisionCacheForgotTheDropPromotesTheRetainedTraceOnce() {
    TraceBuilder trace = droppedChat();
    advance(CACHE_TTL.plusMinutes(20));
    assertThat(buffer.rememberedDecision(trace.traceId())).as("the cache forgot it").isEmpty();
    assertThat(log.heldUntil(trace.traceId())).as("the span log still holds it").isPresent();

    receiveEvaluation(trace.traceId(), "incorrect");

    assertThat(exported.names()).containsExactlyInAnyOrder("POST /chat", "chat gpt-4o");
    assertThat(exported.spans).allMatch(LateEvidenceAfterDecisionCacheTest::promoted);
    assertThat(exported.logRecords).as("the evaluation travels with its trace, once").isEqualTo(1);
    DecisionRecord record = decisions.find(trace.traceId()).orElseThrow();
    assertThat(record.decision().trigger()).isEqualTo(DecisionTrigger.PROMOTED);
    assertThat(record.decision().reason()).isEqualTo("kept by flagged on late evidence");
    assertThat(record.earlier()).singleElement().matches(d -> !d.kept());
    assertThat(buffer.bufferedTraces()).as("the evaluation opened no new trace").isZero();
    assertThat(counter("llmtail.buffer.decisions.recalled")).isEqualTo(1);

    // Nothing is decided again later, and a second verdict sends no span again.
    advance(QUIET.multipliedBy(2));
    assertThat(buffer.decideDue()).isZero();
    receiveEvaluation(trace.traceId(), "incorrect");
    assertThat(exported.spans).hasSize(2);
    assertThat(exported.logRecords).isEqualTo(2);
    assertThat(counter("llmtail.promotions.too_late")).isZero();
  }

  @Test
  void anEvaluationAfterRetentionIsCountedTooLateAndExplainedAndOpensNoTrace() {
    TraceBuilder trace = droppedChat();
    advance(RETENTION.plusMinutes(1));
    log.sweep();
    assertThat(log.loggedDecision(trace.traceId())).as("the span log let it go").isEmpty();

    receiveEvaluation(trace.traceId(), "incorrect");

    assertThat(exported.spans).isEmpty();
    assertThat(exported.logRecords).isZero();
    assertThat(counter("llmtail.promotions.too_late")).isEqualTo(1);
    assertThat(promoter.lateEvidenceNote(trace.traceId()))
        .hasValueSatisfying(
            note ->
                assertThat(note)
                    .startsWith(
                        "Evidence for it (spans or log records) arrived at " + clock.instant())
                    .contains("storage.retention 60m00s")
                    .contains("too late to keep it"));
    assertThat(buffer.bufferedTraces()).isZero();
    advance(QUIET.multipliedBy(2));
    assertThat(buffer.decideDue()).as("not decided again on the evaluation alone").isZero();
    assertThat(decisions.find(trace.traceId()).orElseThrow().decision().kept()).isFalse();
  }

  @Test
  void anErrorSpanPastRetentionIsTooLateWhetherOrNotTheSweepDeletedTheTraceYet() {
    TraceBuilder trace = droppedChat();
    // Past retention: the span log's next sweep deletes the trace (within a second); before it,
    // the log still knows the drop, after it the decision log does. Too late either way.
    advance(RETENTION.plusSeconds(1));

    TraceBuilder feedback = TraceBuilder.trace(trace.traceIdHex());
    feedback.child("user feedback").error("thumbs down");
    buffer.admit(log.append(feedback.fragments(), List.of()));

    assertThat(exported.spans).isEmpty();
    assertThat(counter("llmtail.promotions.too_late")).isEqualTo(1);
    assertThat(buffer.bufferedTraces()).isZero();
  }
}
