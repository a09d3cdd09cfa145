package dev.llmtail.server.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
}
