package llmtail.recorder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.internal.otlp.logs.LogsRequestMarshaler;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Spans and log records in memory, written as one OTLP JSON file per trace (a TracesData line,
 * then a LogsData line when there are log records), labelled with llmtail.recording.* resource
 * attributes — the format of ../lib/capture.mjs.
 */
final class Capture {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final InMemoryLogRecordExporter records = InMemoryLogRecordExporter.create();
  final OpenTelemetrySdk sdk;

  Capture() {
    Resource resource =
        Resource.create(Attributes.of(io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), "recorded-llm-app"));
    sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .setResource(resource)
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .setLoggerProvider(
                SdkLoggerProvider.builder()
                    .setResource(resource)
                    .addLogRecordProcessor(SimpleLogRecordProcessor.create(records))
                    .build())
            .build();
  }

  /** Writes the ended spans and the log records of one trace; returns "N spans, M log records". */
  String write(Path file, String traceId, Map<String, String> labels) throws IOException {
    sdk.getSdkTracerProvider().forceFlush();
    sdk.getSdkLoggerProvider().forceFlush();
    // Spans that never ended are never exported: a real exporter would not see them either.
    List<SpanData> finished =
        spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    List<LogRecordData> logs =
        records.getFinishedLogRecordItems().stream()
            .filter(r -> r.getSpanContext().getTraceId().equals(traceId))
            .toList();
    spans.reset();
    records.reset();
    StringBuilder out = new StringBuilder();
    out.append(labelled(json(TraceRequestMarshaler.create(finished)), "resourceSpans", labels));
    out.append('\n');
    if (!logs.isEmpty()) {
      out.append(labelled(json(LogsRequestMarshaler.create(logs)), "resourceLogs", labels));
      out.append('\n');
    }
    Files.createDirectories(file.getParent());
    Files.writeString(file, out, StandardCharsets.UTF_8);
    return finished.size() + " spans, " + logs.size() + " log records";
  }

  private static JsonNode json(io.opentelemetry.exporter.internal.marshal.Marshaler marshaler)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    marshaler.writeJsonTo(bytes);
    return JSON.readTree(bytes.toByteArray());
  }

  private static String labelled(JsonNode data, String field, Map<String, String> labels)
      throws IOException {
    for (JsonNode resourceItems : data.path(field)) {
      ObjectNode resource = (ObjectNode) resourceItems.path("resource");
      ArrayNode attributes =
          resource.has("attributes") ? (ArrayNode) resource.get("attributes") : resource.putArray("attributes");
      labels.forEach(
          (k, v) -> {
            ObjectNode a = attributes.addObject();
            a.put("key", "llmtail.recording." + k);
            a.putObject("value").put("stringValue", v);
          });
    }
    return JSON.writeValueAsString(data);
  }
}
