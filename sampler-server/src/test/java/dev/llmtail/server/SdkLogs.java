package dev.llmtail.server;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.logs.TestLogRecordData;
import java.time.Instant;

/** GenAI events as the OpenTelemetry SDK's log exporter sends them, for end-to-end tests. */
final class SdkLogs {

  private SdkLogs() {}

  /** An evaluator's {@code gen_ai.evaluation.result} on one span: {@code label} is its verdict. */
  static LogRecordData evaluation(String traceIdHex, String spanIdHex, String label) {
    return TestLogRecordData.builder()
        .setResource(Resource.getDefault())
        .setInstrumentationScopeInfo(InstrumentationScopeInfo.create("evaluator"))
        .setSpanContext(
            SpanContext.create(
                traceIdHex, spanIdHex, TraceFlags.getSampled(), TraceState.getDefault()))
        .setTimestamp(Instant.now())
        .setSeverity(Severity.INFO)
        .setEventName("gen_ai.evaluation.result")
        .setAttributes(
            Attributes.of(
                AttributeKey.stringKey("gen_ai.evaluation.name"),
                "answer_correctness",
                AttributeKey.stringKey("gen_ai.evaluation.score.label"),
                label))
        .setTotalAttributeCount(2)
        .build();
  }
}
