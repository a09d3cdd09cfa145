// Captures spans and log records in memory and writes them as one OTLP JSON file, labelled.
import { trace, context } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { JsonTraceSerializer, JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import fs from 'node:fs';
import path from 'node:path';

export function startCapture() {
  const resource = resourceFromAttributes({ 'service.name': 'recorded-llm-app' });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new NodeTracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  tracerProvider.register();
  const records = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: records })],
  });
  logs.setGlobalLoggerProvider(loggerProvider);
  return {
    tracerProvider,
    /**
     * Writes the spans and log records of one trace, labelled with llmtail.recording.* resource
     * attributes (what happened, expected policy, library and version, capture mode).
     */
    async write(file, traceId, labels) {
      await tracerProvider.forceFlush();
      await loggerProvider.forceFlush();
      // Spans that never ended are never exported: a real exporter would not see them either.
      const finishedSpans = spans.getFinishedSpans().filter(s => s.spanContext().traceId === traceId);
      const finished = records
        .getFinishedLogRecords()
        .filter(r => r.spanContext?.traceId === traceId);
      spans.reset();
      records.reset();
      const label = Object.entries(labels).map(([k, v]) => ({
        key: `llmtail.recording.${k}`,
        value: { stringValue: String(v) },
      }));
      const decode = bytes => JSON.parse(new TextDecoder().decode(bytes));
      const traces = decode(JsonTraceSerializer.serializeRequest(finishedSpans));
      for (const rs of traces.resourceSpans ?? []) rs.resource.attributes.push(...label);
      let out = JSON.stringify(traces) + '\n';
      if (finished.length > 0) {
        const logsData = decode(JsonLogsSerializer.serializeRequest(finished));
        for (const rl of logsData.resourceLogs ?? []) rl.resource.attributes.push(...label);
        out += JSON.stringify(logsData) + '\n';
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, out);
      return { spans: finishedSpans.length, logs: finished.length };
    },
  };
}

export { trace, context, logs };
