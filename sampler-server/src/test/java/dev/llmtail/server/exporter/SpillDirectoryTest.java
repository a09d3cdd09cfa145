package dev.llmtail.server.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpillDirectoryTest {

  @TempDir Path dir;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private static List<byte[]> batch(String name) {
    TraceBuilder t = TraceBuilder.trace();
    t.root(name);
    t.child("chat gpt-4o");
    return List.of(t.resourceSpans().toByteArray());
  }

  private static String firstSpanName(SpillDirectory.Batch<byte[]> batch) {
    try {
      return ResourceSpans.parseFrom(batch.items().get(0)).getScopeSpans(0).getSpans(0).getName();
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("spilled spans do not parse", e);
    }
  }

  private SpillDirectory<byte[]> spans(long maxBytes, SimpleMeterRegistry registry) {
    return new SpillDirectory<>(dir, Signal.SPANS, new SpillBudget(maxBytes), registry);
  }

  private double gauge(String name) {
    return meters.get(name).gauge().value();
  }

  @Test
  void handsBatchesBackOldestFirstAndForgetsThemOnlyWhenRemoved() {
    SpillDirectory<byte[]> spill = spans(1 << 20, meters);
    assertThat(spill.offer(batch("first"), 2)).isTrue();
    assertThat(spill.offer(batch("second"), 2)).isTrue();
    assertThat(gauge("llmtail.exporter.spill.spans")).isEqualTo(4);

    SpillDirectory.Batch<byte[]> oldest = spill.peek().orElseThrow();
    assertThat(firstSpanName(oldest)).isEqualTo("first");
    assertThat(spill.peek().orElseThrow().file())
        .isEqualTo(oldest.file()); // still there until removed
    spill.remove(oldest);
    assertThat(firstSpanName(spill.peek().orElseThrow())).isEqualTo("second");
    assertThat(gauge("llmtail.exporter.spill.spans")).isEqualTo(2);
  }

  @Test
  void handsManySmallBatchesBackTogetherUpToTheSpanLimit() {
    SpillDirectory<byte[]> spill = spans(1 << 20, meters);
    for (int i = 0; i < 10; i++) {
      spill.offer(batch("b" + i), 2);
    }
    List<SpillDirectory.Batch<byte[]>> first = spill.peekUpTo(7);
    assertThat(first).hasSize(3);
    assertThat(firstSpanName(first.get(0))).isEqualTo("b0");
    first.forEach(spill::remove);
    assertThat(spill.peekUpTo(1))
        .singleElement()
        .satisfies(b -> assertThat(firstSpanName(b)).isEqualTo("b3"));
  }

  @Test
  void refusesABatchThatWouldPassTheSizeBound() {
    long oneBatch = batch("x").get(0).length;
    SpillDirectory<byte[]> spill = spans(oneBatch * 3 / 2, meters);
    assertThat(spill.offer(batch("x"), 2)).isTrue();
    assertThat(spill.offer(batch("y"), 2)).isFalse();
    assertThat(spill.hasRoomFor(oneBatch)).isFalse();
  }

  @Test
  void aRestartFindsWhatWasSpilledAndDropsHalfWrittenFiles() throws Exception {
    spans(1 << 20, meters).offer(batch("survivor"), 2);
    Files.write(dir.resolve("0000000000000000099-2.otlp.tmp"), new byte[] {1, 2, 3});

    SimpleMeterRegistry afterRestart = new SimpleMeterRegistry();
    SpillDirectory<byte[]> reopened = spans(1 << 20, afterRestart);

    assertThat(afterRestart.get("llmtail.exporter.spill.recovered").counter().count()).isEqualTo(2);
    assertThat(firstSpanName(reopened.peek().orElseThrow())).isEqualTo("survivor");
    assertThat(dir.resolve("0000000000000000099-2.otlp.tmp")).doesNotExist();
    assertThat(reopened.offer(batch("next"), 2)).isTrue(); // numbering continues after the survivor
    assertThat(dir.toFile().list()).hasSize(2);
  }

  @Test
  void anUnreadableBatchIsSetAsideAndCounted() throws Exception {
    Files.write(dir.resolve("0000000000000000001-5.otlp"), new byte[] {0x0a, 0x7f, 0x01});
    SpillDirectory<byte[]> spill = spans(1 << 20, meters);
    spill.offer(batch("good"), 2);

    assertThat(firstSpanName(spill.peek().orElseThrow())).isEqualTo("good");
    assertThat(meters.get("llmtail.exporter.spill.corrupt").counter().count()).isEqualTo(5);
    assertThat(dir.resolve("0000000000000000001-5.otlp.corrupt")).exists();
    assertThat(gauge("llmtail.exporter.spill.spans")).isEqualTo(2);
  }

  @Test
  void logRecordsSpillBesideSpansWithinOneSizeBoundAndSurviveARestart() {
    List<ResourceLogs> evaluation = List.of(logs("evaluation"));
    long spanBatch = Signal.SPANS.encode(batch("x")).length;
    long logBatch = Signal.LOGS.encode(evaluation).length;
    SpillBudget shared = new SpillBudget(spanBatch + logBatch - 1);
    SpillDirectory<byte[]> spans = new SpillDirectory<>(dir, Signal.SPANS, shared, meters);
    SpillDirectory<ResourceLogs> logs = new SpillDirectory<>(dir, Signal.LOGS, shared, meters);

    assertThat(logs.offer(evaluation, 1)).isTrue();
    assertThat(gauge("llmtail.exporter.spill.log_records")).isEqualTo(1);
    assertThat(spans.offer(batch("x"), 2)).as("the log records took part of the bound").isFalse();
    assertThat(spans.isEmpty()).isTrue();

    SimpleMeterRegistry afterRestart = new SimpleMeterRegistry();
    SpillDirectory<byte[]> spansAgain =
        new SpillDirectory<>(dir, Signal.SPANS, new SpillBudget(1 << 20), afterRestart);
    SpillDirectory<ResourceLogs> logsAgain =
        new SpillDirectory<>(dir, Signal.LOGS, new SpillBudget(1 << 20), afterRestart);
    assertThat(spansAgain.isEmpty()).isTrue();
    assertThat(afterRestart.get("llmtail.exporter.spill.log_recovered").counter().count())
        .isEqualTo(1);
    assertThat(
            logsAgain
                .peek()
                .orElseThrow()
                .items()
                .get(0)
                .getScopeLogs(0)
                .getLogRecords(0)
                .getBody())
        .isEqualTo(AnyValue.newBuilder().setStringValue("evaluation").build());
  }

  private static ResourceLogs logs(String body) {
    return ResourceLogs.newBuilder()
        .addScopeLogs(
            ScopeLogs.newBuilder()
                .addLogRecords(
                    LogRecord.newBuilder().setBody(AnyValue.newBuilder().setStringValue(body))))
        .build();
  }
}
