package dev.llmtail.server.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpillDirectoryTest {

  @TempDir Path dir;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private static List<ResourceSpans> batch(String name) {
    TraceBuilder t = TraceBuilder.trace();
    t.root(name);
    t.child("chat gpt-4o");
    return List.of(t.resourceSpans());
  }

  private double gauge(String name) {
    return meters.get(name).gauge().value();
  }

  @Test
  void handsBatchesBackOldestFirstAndForgetsThemOnlyWhenRemoved() {
    SpillDirectory spill = new SpillDirectory(dir, 1 << 20, meters);
    assertThat(spill.offer(batch("first"), 2)).isTrue();
    assertThat(spill.offer(batch("second"), 2)).isTrue();
    assertThat(gauge("llmtail.exporter.spill.spans")).isEqualTo(4);

    SpillDirectory.Batch oldest = spill.peek();
    assertThat(oldest.spans().get(0).getScopeSpans(0).getSpans(0).getName()).isEqualTo("first");
    assertThat(spill.peek().file()).isEqualTo(oldest.file()); // still there until removed
    spill.remove(oldest);
    assertThat(spill.peek().spans().get(0).getScopeSpans(0).getSpans(0).getName())
        .isEqualTo("second");
    assertThat(gauge("llmtail.exporter.spill.spans")).isEqualTo(2);
  }

  @Test
  void handsManySmallBatchesBackTogetherUpToTheSpanLimit() {
    SpillDirectory spill = new SpillDirectory(dir, 1 << 20, meters);
    for (int i = 0; i < 10; i++) {
      spill.offer(batch("b" + i), 2);
    }
    List<SpillDirectory.Batch> first = spill.peekUpTo(7);
    assertThat(first).hasSize(3);
    assertThat(first.get(0).spans().get(0).getScopeSpans(0).getSpans(0).getName()).isEqualTo("b0");
    first.forEach(spill::remove);
    assertThat(spill.peekUpTo(1))
        .singleElement()
        .satisfies(
            b ->
                assertThat(b.spans().get(0).getScopeSpans(0).getSpans(0).getName())
                    .isEqualTo("b3"));
  }

  @Test
  void refusesABatchThatWouldPassTheSizeBound() {
    long oneBatch = batch("x").get(0).getSerializedSize();
    SpillDirectory spill = new SpillDirectory(dir, oneBatch * 3 / 2, meters);
    assertThat(spill.offer(batch("x"), 2)).isTrue();
    assertThat(spill.offer(batch("y"), 2)).isFalse();
    assertThat(spill.hasRoomFor(oneBatch)).isFalse();
  }

  @Test
  void aRestartFindsWhatWasSpilledAndDropsHalfWrittenFiles() throws Exception {
    new SpillDirectory(dir, 1 << 20, meters).offer(batch("survivor"), 2);
    Files.write(dir.resolve("0000000000000000099-2.otlp.tmp"), new byte[] {1, 2, 3});

    SimpleMeterRegistry afterRestart = new SimpleMeterRegistry();
    SpillDirectory reopened = new SpillDirectory(dir, 1 << 20, afterRestart);

    assertThat(afterRestart.get("llmtail.exporter.spill.recovered").counter().count()).isEqualTo(2);
    assertThat(reopened.peek().spans().get(0).getScopeSpans(0).getSpans(0).getName())
        .isEqualTo("survivor");
    assertThat(dir.resolve("0000000000000000099-2.otlp.tmp")).doesNotExist();
    assertThat(reopened.offer(batch("next"), 2)).isTrue(); // numbering continues after the survivor
    assertThat(dir.toFile().list()).hasSize(2);
  }

  @Test
  void anUnreadableBatchIsSetAsideAndCounted() throws Exception {
    Files.write(dir.resolve("0000000000000000001-5.otlp"), new byte[] {0x0a, 0x7f, 0x01});
    SpillDirectory spill = new SpillDirectory(dir, 1 << 20, meters);
    spill.offer(batch("good"), 2);

    assertThat(spill.peek().spans().get(0).getScopeSpans(0).getSpans(0).getName())
        .isEqualTo("good");
    assertThat(meters.get("llmtail.exporter.spill.corrupt").counter().count()).isEqualTo(5);
    assertThat(dir.resolve("0000000000000000001-5.otlp.corrupt")).exists();
    assertThat(gauge("llmtail.exporter.spill.spans")).isEqualTo(2);
  }
}
