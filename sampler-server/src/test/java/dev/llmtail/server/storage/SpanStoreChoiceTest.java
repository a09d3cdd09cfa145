package dev.llmtail.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.buffer.BufferSettings;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.MemorySpanStore;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.server.config.ByteSize;
import dev.llmtail.server.config.StorageConfig;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The buffer decides the same whether the span bytes of buffered traces stay on the heap (no span
 * log) or are read back from the span log that the receivers wrote them to: every behaviour here
 * runs over both stores, fed as a receiver feeds it (log first, then the buffer).
 */
class SpanStoreChoiceTest {

  private static final Duration QUIET = Duration.ofSeconds(10);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** Where the buffer's span bytes live. */
  enum Store {
    HEAP,
    SPAN_LOG
  }

  @TempDir Path dir;
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Recorder recorder = new Recorder();
  private SpanLog log = SpanLog.memoryOnly();

  /** Keeps a trace when one of its spans failed. */
  private final DecisionEngine engine =
      new DecisionEngine(
          List.of(
              new NamedPolicy(
                  "errors",
                  "test",
                  t ->
                      t.spans().stream()
                              .anyMatch(s -> s.statusCode() == Status.StatusCode.STATUS_CODE_ERROR)
                          ? Verdict.keep("a span failed")
                          : Verdict.noOpinion("no span failed"))),
          Clock.systemUTC(),
          new SimpleMeterRegistry());

  @AfterEach
  void closeLog() {
    log.close();
  }

  private RocksSpanLog openLog(Instant at) {
    return RocksSpanLog.open(
        new StorageConfig(
            dir.resolve("data").toString(), "os", Duration.ofHours(1), new ByteSize(1L << 30)),
        Clock.fixed(at, ZoneOffset.UTC),
        new SimpleMeterRegistry());
  }

  private TraceBuffer buffer(Store store, int maxTraceSpans, long maxTraceBytes) {
    log = store == Store.HEAP ? SpanLog.memoryOnly() : openLog(T0);
    assertThat(log.spanStore())
        .isInstanceOf(store == Store.HEAP ? MemorySpanStore.class : LoggedSpanStore.class);
    return bufferOverLog(maxTraceSpans, maxTraceBytes);
  }

  /** A buffer whose span store is {@link #log}'s, as the sidecar wires it. */
  private TraceBuffer bufferOverLog(int maxTraceSpans, long maxTraceBytes) {
    return TraceBuffer.builder()
        .settings(
            new BufferSettings(
                QUIET,
                Duration.ofMinutes(5),
                1000,
                1 << 20,
                1000,
                Duration.ofMinutes(10),
                maxTraceSpans,
                maxTraceBytes))
        .engine(() -> engine)
        .listener(recorder)
        .store(log.spanStore())
        .ticker(now::get)
        .build();
  }

  private TraceBuffer buffer(Store store) {
    return buffer(store, Integer.MAX_VALUE, Long.MAX_VALUE);
  }

  /** What a receiver does with one request: the span log first, then the buffer. */
  private void receive(TraceBuffer buffer, TraceBuilder request) {
    buffer.admit(log.append(request.fragments(), List.of()));
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void decidesEveryTraceOnAllOfItsSpansInArrivalOrder(Store store) {
    TraceBuffer buffer = buffer(store);
    List<TraceBuilder> traces = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      TraceBuilder children = TraceBuilder.trace();
      children.child("chat gpt-4o " + i);
      TraceBuilder.SpanBuilder tool = children.child("tool " + i);
      if (i % 3 == 0) {
        tool.error("tool failed");
      }
      TraceBuilder root = TraceBuilder.trace(children.traceIdHex());
      root.root("POST /chat " + i);
      receive(buffer, children);
      receive(buffer, root);
      traces.add(children);
    }

    advance(QUIET);
    assertThat(buffer.decideDue()).isEqualTo(6);

    for (int i = 0; i < 6; i++) {
      TraceId id = traces.get(i).traceId();
      Decision d = recorder.decisions.get(id);
      assertThat(d.kept()).as("trace %d", i).isEqualTo(i % 3 == 0);
      assertThat(d.trigger()).isEqualTo(DecisionTrigger.COMPLETE);
      assertThat(recorder.spanNames.get(id))
          .containsExactly("chat gpt-4o " + i, "tool " + i, "POST /chat " + i);
    }
    assertThat(buffer.bufferedBytes()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void aTraceOverMaxTraceBytesIsDecidedAtOnceOnWhatItHolds(Store store) {
    TraceBuffer buffer = buffer(store, Integer.MAX_VALUE, 4096);
    TraceBuilder first = TraceBuilder.trace();
    first.child("chat gpt-4o").error("content filter");
    receive(buffer, first);
    assertThat(recorder.decisions).isEmpty();

    TraceBuilder big = TraceBuilder.trace(first.traceIdHex());
    big.child("agent step").attribute("gen_ai.prompt", "x".repeat(8192));
    receive(buffer, big);

    Decision d = recorder.decisions.get(first.traceId());
    assertThat(d.trigger()).isEqualTo(DecisionTrigger.MAX_TRACE_BYTES);
    assertThat(recorder.spanNames.get(first.traceId()))
        .containsExactly("chat gpt-4o", "agent step");

    TraceBuilder after = TraceBuilder.trace(first.traceIdHex());
    after.root("POST /chat");
    receive(buffer, after);
    assertThat(recorder.lateSpans).containsExactly("POST /chat");
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void aFragmentWrittenToTheLogButNotYetAdmittedFollowsTheDecisionAsALateSpan(Store store) {
    TraceBuffer buffer = buffer(store);
    TraceBuilder admitted = TraceBuilder.trace();
    admitted.root("POST /chat").error("boom");
    receive(buffer, admitted);
    // A second request of the trace: in the log, its receiver not yet at the buffer.
    TraceBuilder inFlight = TraceBuilder.trace(admitted.traceIdHex());
    inFlight.child("chat gpt-4o");
    List<TraceFragment> logged = log.append(inFlight.fragments(), List.of());

    assertThat(buffer.decideAll(DecisionTrigger.SHUTDOWN)).isEqualTo(1);
    buffer.admit(logged);

    assertThat(recorder.spanNames.get(admitted.traceId()))
        .as("decided on what was admitted, not on everything the log holds")
        .containsExactly("POST /chat");
    assertThat(recorder.lateSpans).containsExactly("chat gpt-4o");
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void aBufferedTraceShowsItsSpansWithoutLeavingTheBuffer(Store store) {
    TraceBuffer buffer = buffer(store);
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat");
    trace.child("chat gpt-4o");
    receive(buffer, trace);

    TraceView shown = buffer.bufferedSpans(trace.traceId()).orElseThrow();
    assertThat(shown.spans())
        .extracting(SpanView::name)
        .containsExactly("POST /chat", "chat gpt-4o");
    assertThat(buffer.bufferedTraces()).isEqualTo(1);

    advance(QUIET);
    buffer.decideDue();
    assertThat(recorder.spanNames.get(trace.traceId()))
        .containsExactly("POST /chat", "chat gpt-4o");
  }

  @ParameterizedTest
  @EnumSource(Store.class)
  void spansNoSpanLogHoldsAreKeptUntilTheDecision(Store store) {
    // The Kafka receiver admits without the span log: Kafka is its durable source.
    TraceBuffer buffer = buffer(store);
    TraceBuilder fromKafka = TraceBuilder.trace();
    fromKafka.child("chat gpt-4o");
    buffer.admit(fromKafka.fragments());
    TraceBuilder fromOtlp = TraceBuilder.trace(fromKafka.traceIdHex());
    fromOtlp.root("POST /chat");
    receive(buffer, fromOtlp);

    advance(QUIET);
    buffer.decideDue();
    assertThat(recorder.spanNames.get(fromKafka.traceId()))
        .containsExactly("chat gpt-4o", "POST /chat");
  }

  @Test
  void fragmentsOfEverySizeAreReadBackFromTheLogByteForByte() {
    // Small, larger than the first scratch of the writing thread (64 KiB) and of the reading one
    // (16 KiB), larger than either keeps (1 MiB), and small again after both.
    log = openLog(T0);
    var store = log.spanStore();
    TraceBuilder first = TraceBuilder.trace();
    List<TraceFragment> appended = new ArrayList<>();
    for (int size : new int[] {10, 100 << 10, 3 << 19, 10}) {
      TraceBuilder request = TraceBuilder.trace(first.traceIdHex());
      request.child("span of " + size).attribute("gen_ai.prompt", "p".repeat(size));
      List<TraceFragment> logged = log.append(request.fragments(), List.of());
      logged.forEach(store::append);
      appended.addAll(logged);
    }

    List<byte[]> peeked = store.peek(first.traceId());
    List<byte[]> taken = store.take(first.traceId());
    for (List<byte[]> read : List.of(peeked, taken)) {
      assertThat(read).hasSameSizeAs(appended);
      for (int i = 0; i < appended.size(); i++) {
        assertThat(read.get(i)).as("fragment %d", i).isEqualTo(appended.get(i).encoded());
      }
    }
  }

  @Test
  void aTraceRestoredAfterARestartIsDecidedWholeFromTheLog() {
    TraceBuilder before = TraceBuilder.trace();
    before.child("chat gpt-4o").error("rate limited");
    TraceBuilder alsoBefore = TraceBuilder.trace(before.traceIdHex());
    alsoBefore.root("POST /chat");
    try (RocksSpanLog first = openLog(T0)) {
      first.append(before.fragments(), List.of());
      first.append(alsoBefore.fragments(), List.of());
    }

    log = openLog(T0.plusSeconds(4));
    TraceBuffer buffer = bufferOverLog(Integer.MAX_VALUE, Long.MAX_VALUE);
    List<RecoveredTrace> recovered = new ArrayList<>();
    log.recover(recovered::add);
    assertThat(recovered).hasSize(1);
    for (RecoveredTrace.Timed<TraceFragment> f : recovered.get(0).spans()) {
      assertThat(f.fragment().logged()).as("restored with its place in the log").isTrue();
      buffer.restore(f.fragment(), Duration.ofSeconds(4));
    }

    advance(QUIET.minusSeconds(4));
    assertThat(buffer.decideDue()).isEqualTo(1);
    Decision d = recorder.decisions.get(before.traceId());
    assertThat(d.kept()).isTrue();
    assertThat(recorder.spanNames.get(before.traceId()))
        .containsExactly("chat gpt-4o", "POST /chat");
  }

  /** Records decisions with the span names each decided trace held, and late spans. */
  private static final class Recorder implements DecisionListener {
    final Map<TraceId, Decision> decisions = new LinkedHashMap<>();
    final Map<TraceId, List<String>> spanNames = new LinkedHashMap<>();
    final List<String> lateSpans = new ArrayList<>();

    @Override
    public void onDecided(Decision decision, TraceView trace) {
      decisions.put(trace.traceId(), decision);
      spanNames.put(trace.traceId(), trace.spans().stream().map(SpanView::name).toList());
    }

    @Override
    public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
      TraceView.of(fragment.traceId(), List.of(fragment.spans())).spans().stream()
          .map(SpanView::name)
          .forEach(lateSpans::add);
    }

    @Override
    public void onLateLogs(RememberedDecision decision, LogFragment fragment) {}
  }
}
