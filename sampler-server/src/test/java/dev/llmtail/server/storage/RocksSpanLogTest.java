package dev.llmtail.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.server.config.ByteSize;
import dev.llmtail.server.config.StorageConfig;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The RocksDB span log: what one process writes, the next one reads back, and what it refuses. */
class RocksSpanLogTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;

  private RocksSpanLog open(Clock clock) {
    return RocksSpanLog.open(
        new StorageConfig(dir.toString(), "os", Duration.ofHours(1), new ByteSize(1L << 30)),
        clock,
        new SimpleMeterRegistry());
  }

  private static Clock at(Instant t) {
    return Clock.fixed(t, ZoneOffset.UTC);
  }

  private static List<RecoveredTrace> recoverAll(SpanLog log) {
    List<RecoveredTrace> traces = new ArrayList<>();
    log.recover(traces::add);
    return traces;
  }

  @Test
  void undecidedTraceComesBackInArrivalOrderWithItsAcceptanceTimes() {
    TraceBuilder trace = TraceBuilder.trace();
    trace.child("chat gpt-4o");
    TraceBuilder second = TraceBuilder.trace(trace.traceIdHex());
    second.root("POST /chat");
    try (RocksSpanLog log = open(at(T0))) {
      log.append(trace.fragments(), List.of());
    }
    try (RocksSpanLog log = open(at(T0.plusSeconds(2)))) {
      log.append(second.fragments(), List.of());
    }

    try (RocksSpanLog log = open(at(T0.plusSeconds(5)))) {
      List<RecoveredTrace> traces = recoverAll(log);
      assertThat(traces).hasSize(1);
      RecoveredTrace t = traces.get(0);
      assertThat(t.traceId()).isEqualTo(trace.traceId());
      assertThat(t.decision()).isNull();
      assertThat(t.spans())
          .extracting(s -> s.fragment().endsRoot(), RecoveredTrace.Timed::acceptedAt)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(false, T0),
              org.assertj.core.groups.Tuple.tuple(true, T0.plusSeconds(2)));
    }
  }

  @Test
  void droppedTraceIsNotRecoveredButHeldForTheRetention() {
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat");
    try (RocksSpanLog log = open(at(T0))) {
      log.append(trace.fragments(), List.of());
      log.decided(trace.traceId(), new RememberedDecision(false, "no policy matched", 1));
      assertThat(log.heldUntil(trace.traceId())).contains(T0.plus(Duration.ofHours(1)));
    }
    try (RocksSpanLog log = open(at(T0.plus(Duration.ofMinutes(59))))) {
      assertThat(recoverAll(log)).isEmpty();
      log.sweep();
      assertThat(log.heldUntil(trace.traceId())).isPresent();
    }
    try (RocksSpanLog log = open(at(T0.plus(Duration.ofMinutes(61))))) {
      log.sweep();
      assertThat(log.heldUntil(trace.traceId())).isEmpty();
    }
  }

  @Test
  void keptTraceNotYetExportedComesBackWithItsDecision() {
    TraceBuilder kept = TraceBuilder.trace();
    kept.root("POST /chat");
    TraceBuilder exported = TraceBuilder.trace();
    exported.root("POST /chat");
    try (RocksSpanLog log = open(at(T0))) {
      log.append(kept.fragments(), List.of());
      log.append(exported.fragments(), List.of());
      log.decided(kept.traceId(), new RememberedDecision(true, "kept by errors", 1));
      log.decided(exported.traceId(), new RememberedDecision(true, "kept by errors", 1));
      log.exported(exported.traceId());
    }
    try (RocksSpanLog log = open(at(T0.plusSeconds(1)))) {
      List<RecoveredTrace> traces = recoverAll(log);
      assertThat(traces).extracting(RecoveredTrace::traceId).containsExactly(kept.traceId());
      assertThat(traces.get(0).decision())
          .isEqualTo(new RememberedDecision(true, "kept by errors", 1));
    }
  }

  @Test
  void logRecordsOfAKeptTraceStayUntilTheyAreDeliveredThemselves() {
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat").child("chat gpt-4o");
    LogFragment evaluation = trace.logRecord("judge: answer was wrong");
    RememberedDecision kept = new RememberedDecision(true, "kept by errors", 1);
    try (RocksSpanLog log = open(at(T0))) {
      log.append(trace.fragments(), List.of(evaluation));
      log.decided(trace.traceId(), kept);
      log.spansDelivered(trace.traceId(), spansOf(trace.fragments()));
    }
    try (RocksSpanLog log = open(at(T0.plusSeconds(1)))) {
      List<RecoveredTrace> traces = recoverAll(log);
      assertThat(traces).hasSize(1);
      assertThat(traces.get(0).decision()).isEqualTo(kept);
      assertThat(traces.get(0).spans()).as("delivered: not exported again").isEmpty();
      assertThat(traces.get(0).logs())
          .extracting(l -> l.fragment().recordCount())
          .containsExactly(1);
      log.logsDelivered(trace.traceId(), List.of(evaluation.logs()));
    }
    try (RocksSpanLog log = open(at(T0.plusSeconds(2)))) {
      assertThat(recoverAll(log)).isEmpty();
    }
  }

  @Test
  void lateSpansOfAnExportedTraceComeBackAfterACrashUntilDelivered() {
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat");
    TraceBuilder late = TraceBuilder.trace(trace.traceIdHex());
    late.child("chat gpt-4o");
    TraceBuilder laterStill = TraceBuilder.trace(trace.traceIdHex());
    laterStill.child("embeddings text-embedding-3-small");
    try (RocksSpanLog log = open(at(T0))) {
      log.append(trace.fragments(), List.of());
      log.decided(trace.traceId(), new RememberedDecision(true, "kept by errors", 1));
      log.append(late.fragments(), List.of());
      // The decided spans settle while the late ones are still on their way: only they go.
      log.spansDelivered(trace.traceId(), spansOf(trace.fragments()));
      log.append(laterStill.fragments(), List.of());
    }
    try (RocksSpanLog log = open(at(T0.plusSeconds(1)))) {
      List<RecoveredTrace> traces = recoverAll(log);
      assertThat(traces).hasSize(1);
      assertThat(traces.get(0).decision()).isNotNull();
      List<ResourceSpans> recovered =
          traces.get(0).spans().stream().map(t -> t.fragment().spans()).toList();
      assertThat(recovered)
          .containsExactlyElementsOf(
              spansOf(List.of(late.fragments().get(0), laterStill.fragments().get(0))));
      // What a restart exports again is deleted once delivered, read back as it was written.
      log.spansDelivered(trace.traceId(), recovered);
    }
    try (RocksSpanLog log = open(at(T0.plusSeconds(2)))) {
      assertThat(recoverAll(log)).isEmpty();
    }
  }

  private static List<ResourceSpans> spansOf(List<TraceFragment> fragments) {
    return fragments.stream().map(TraceFragment::spans).toList();
  }

  @Test
  void aPromotedTraceCutOffBeforeItsExportComesBackPromotedAndAnExportedOneIsKnownKept() {
    TraceBuilder promoted = TraceBuilder.trace();
    promoted.root("POST /chat");
    TraceBuilder exported = TraceBuilder.trace();
    exported.root("POST /chat");
    RememberedDecision onRequest = new RememberedDecision(true, "kept on request", 1);
    try (RocksSpanLog log = open(at(T0))) {
      log.append(promoted.fragments(), List.of());
      log.append(exported.fragments(), List.of());
      log.decided(promoted.traceId(), new RememberedDecision(false, "no policy matched", 0));
      log.decided(exported.traceId(), new RememberedDecision(false, "no policy matched", 0));
      log.decided(promoted.traceId(), onRequest, true);
      log.decided(exported.traceId(), onRequest, true);
      log.exported(exported.traceId());
      // The crash: promoted's export never settled.
    }
    try (RocksSpanLog log = open(at(T0.plusSeconds(1)))) {
      List<RecoveredTrace> traces = recoverAll(log);
      assertThat(traces).extracting(RecoveredTrace::traceId).containsExactly(promoted.traceId());
      assertThat(traces.get(0).promoted()).isTrue();
      assertThat(traces.get(0).decision()).isEqualTo(onRequest);
      assertThat(log.loggedDecision(exported.traceId()))
          .hasValue(new LoggedDecision(onRequest, T0, true));
      assertThat(log.loggedDecision(promoted.traceId()))
          .hasValue(new LoggedDecision(onRequest, T0, false));
    }
  }

  @Test
  void secondProcessOnTheSameDirectoryIsRefusedByName() {
    try (RocksSpanLog log = open(at(T0))) {
      assertThat(log.refusal()).isNull();
      assertThatThrownBy(() -> open(at(T0)))
          .isInstanceOf(SpanLogException.class)
          .hasMessageContaining(dir.toAbsolutePath().toString())
          .hasMessageContaining("in use by another llmtail process");
    }
  }

  @Test
  void directoryOfAnotherFormatIsRefused() throws Exception {
    try (RocksSpanLog log = open(at(T0))) {
      log.flush();
    }
    rewriteFormat("llmtail-span-log/99");
    assertThatThrownBy(() -> open(at(T0)))
        .isInstanceOf(SpanLogException.class)
        .hasMessageContaining("incompatible llmtail version")
        .hasMessageContaining("llmtail-span-log/99");
  }

  private void rewriteFormat(String format) throws Exception {
    List<org.rocksdb.ColumnFamilyDescriptor> cfs = new ArrayList<>();
    for (byte[] name :
        org.rocksdb.RocksDB.listColumnFamilies(new org.rocksdb.Options(), dir.toString())) {
      cfs.add(new org.rocksdb.ColumnFamilyDescriptor(name));
    }
    List<org.rocksdb.ColumnFamilyHandle> handles = new ArrayList<>();
    try (org.rocksdb.DBOptions o = new org.rocksdb.DBOptions();
        org.rocksdb.RocksDB db = org.rocksdb.RocksDB.open(o, dir.toString(), cfs, handles)) {
      db.put("format".getBytes(StandardCharsets.UTF_8), format.getBytes(StandardCharsets.UTF_8));
      handles.forEach(org.rocksdb.ColumnFamilyHandle::close);
    }
  }

  @Test
  void directoryWithOtherFilesIsRefused() throws Exception {
    Files.writeString(dir.resolve("notes.txt"), "not a span log");
    assertThatThrownBy(() -> open(at(T0)))
        .isInstanceOf(SpanLogException.class)
        .hasMessageContaining("holds files but no llmtail span log");
  }

  @Test
  void undecidedDataPastMaxSizeIsRefusedAndDroppedDataGoesOldestFirst() {
    List<TraceBuilder> traces = new ArrayList<>();
    java.util.concurrent.atomic.AtomicLong millis = new java.util.concurrent.atomic.AtomicLong();
    Clock ticking =
        new Clock() {
          @Override
          public Instant instant() {
            return T0.plusMillis(millis.get());
          }

          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }
        };
    try (RocksSpanLog log =
        RocksSpanLog.open(
            new StorageConfig(dir.toString(), "os", Duration.ofHours(1), new ByteSize(1L << 20)),
            ticking,
            new SimpleMeterRegistry())) {
      while (log.refusal() == null) {
        TraceBuilder t = TraceBuilder.trace();
        t.root("POST /chat").attribute("gen_ai.prompt", "x".repeat(16 * 1024));
        log.append(t.fragments(), List.of());
        traces.add(t);
        log.sweep();
        assertThat(traces).as("refused by 1 MiB").hasSizeLessThan(200);
      }
      assertThat(log.refusal()).contains("storage.max_size");
      TraceBuilder refused = TraceBuilder.trace();
      refused.root("POST /chat");
      assertThatThrownBy(() -> log.append(refused.fragments(), List.of()))
          .isInstanceOf(SpanLogFullException.class)
          .hasMessageContaining("storage.max_size");

      for (TraceBuilder t : traces) {
        millis.incrementAndGet();
        log.decided(t.traceId(), new RememberedDecision(false, "no policy matched", 1));
      }
      log.sweep();

      assertThat(log.refusal()).isNull();
      assertThat(log.heldUntil(traces.get(0).traceId())).as("oldest").isEmpty();
      assertThat(log.heldUntil(traces.get(traces.size() - 1).traceId())).as("newest").isPresent();
    }
  }
}
