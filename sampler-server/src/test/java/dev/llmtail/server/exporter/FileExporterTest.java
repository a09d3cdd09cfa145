package dev.llmtail.server.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmtail.server.config.ByteSize;
import dev.llmtail.server.config.ExporterConfig.FileExporterConfig;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileExporterTest {

  @TempDir Path dir;

  @Test
  void appendsOneOtlpJsonLinePerExportWithHexIds() throws Exception {
    Path file = dir.resolve("nested/kept.jsonl");
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    t.child("chat gpt-4o").error("refused");
    FileExporter exporter = new FileExporter(file, new SimpleMeterRegistry());
    exporter.export(List.of(t.resourceSpans()), 2);
    exporter.export(List.of(t.resourceSpans()), 2);
    exporter.shutdown(Duration.ofSeconds(1));

    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(2);
    JsonNode spans =
        new ObjectMapper().readTree(lines.get(0)).at("/resourceSpans/0/scopeSpans/0/spans");
    Span child = t.resourceSpans().getScopeSpans(0).getSpans(1);
    assertThat(spans.get(1).get("traceId").asText()).isEqualTo(t.traceIdHex());
    assertThat(spans.get(1).get("spanId").asText())
        .isEqualTo(HexFormat.of().formatHex(child.getSpanId().toByteArray()));
    assertThat(spans.get(1).get("parentSpanId").asText())
        .isEqualTo(HexFormat.of().formatHex(child.getParentSpanId().toByteArray()));
    assertThat(spans.get(1).at("/status/code").asInt()).isEqualTo(2); // enums as integers
    assertThat(spans.get(1).get("startTimeUnixNano").isTextual())
        .isTrue(); // 64-bit integers as strings
  }

  @Test
  void rotatesBySizeAndKeepsOnlyMaxFilesRotatedCopies() throws Exception {
    Path file = dir.resolve("kept.jsonl");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    FileExporter exporter =
        new FileExporter(new FileExporterConfig(file.toString(), new ByteSize(4096), 2), meters);
    List<String> written = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      TraceBuilder t = TraceBuilder.trace();
      t.root("POST /chat " + i);
      t.child("chat gpt-4o");
      written.add(t.traceIdHex());
      assertThat(exporter.export(List.of(t.resourceSpans()), 2)).isTrue();
    }
    exporter.shutdown(Duration.ofSeconds(1));

    assertThat(dir.toFile().list())
        .containsExactlyInAnyOrder("kept.jsonl", "kept.jsonl.1", "kept.jsonl.2");
    for (String name : dir.toFile().list()) {
      assertThat(Files.size(dir.resolve(name))).isLessThanOrEqualTo(4096);
    }
    // The newest traces are in the current file, the oldest rotated copies were deleted.
    assertThat(Files.readString(file)).contains(written.get(39));
    assertThat(Files.readString(dir.resolve("kept.jsonl.2"))).doesNotContain(written.get(0));
    assertThat(
            meters.counter("llmtail.exporter.spans", "exporter", "file", "result", "sent").count())
        .isEqualTo(80);
  }

  @Test
  void rotationIsConfiguredUnderTheFileExporterWithDefaultsThatBoundTheDisk() {
    FileExporterConfig defaults = new FileExporterConfig("llmtail-kept.jsonl", null, null);
    assertThat(defaults.maxSize()).isEqualTo(new ByteSize(100L << 20));
    assertThat(defaults.maxFiles()).isEqualTo(5);
    assertThatThrownBy(() -> new FileExporterConfig("k.jsonl", null, 0))
        .hasMessage("max_files: 0 (expected: 1 to 1000 rotated files, e.g. 5)");
  }
}
