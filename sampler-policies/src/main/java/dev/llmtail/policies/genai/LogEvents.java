package dev.llmtail.policies.genai;

import dev.llmtail.core.Evaluation;
import dev.llmtail.core.TraceView;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The GenAI events of a trace that arrived as log records: evaluation results, and (in older
 * convention versions) the messages of a call, {@code gen_ai.user.message} and {@code
 * gen_ai.choice}, keyed by the span id of the call they belong to.
 *
 * @param evaluations {@code gen_ai.evaluation.result} events
 * @param input the logged prompt messages of each call, as one JSON array, by span id
 * @param output the logged choices of each call, by span id
 */
record LogEvents(
    List<Evaluation> evaluations, Map<String, String> input, Map<String, String> output) {

  private static final HexFormat HEX = HexFormat.of();

  /** The events of a trace without log records. */
  private static final LogEvents NONE = new LogEvents(List.of(), Map.of(), Map.of());

  /** Reads the events of {@code trace}; a malformed value's key goes to {@code ignored}. */
  static LogEvents read(TraceView trace, Consumer<String> ignored) {
    if (trace.logs().isEmpty()) {
      return NONE;
    }
    LogEvents events = new LogEvents(new ArrayList<>(), new HashMap<>(), new HashMap<>());
    for (ResourceLogs rl : trace.logs()) {
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        for (LogRecord record : sl.getLogRecordsList()) {
          events.add(record, new SpanAttributes(record.getAttributesList(), ignored));
        }
      }
    }
    return events;
  }

  /** Two JSON arrays as one: {@code [a]} and {@code [b]} make {@code [a,b]}. */
  private static String join(String x, String y) {
    return x.substring(0, x.length() - 1) + "," + y.substring(1);
  }

  private void add(LogRecord record, SpanAttributes a) {
    String event = record.getEventName().isEmpty() ? a.text("event.name") : record.getEventName();
    String spanId = HEX.formatHex(record.getSpanId().toByteArray());
    switch (event) {
      case "gen_ai.evaluation.result" -> evaluations.add(Evaluations.otel(spanId, a));
      // One record per choice (n > 1): kept as one JSON array, so that every choice's finish
      // reason and refusal is read, not only the first's.
      case "gen_ai.choice" ->
          output.merge(spanId, "[" + AnyValues.toJson(record.getBody()) + "]", LogEvents::join);
      case "gen_ai.user.message", "gen_ai.system.message", "gen_ai.assistant.message" -> {
        if (uncaptured(record.getBody())) {
          // Content capture off (the OpenTelemetry OpenAI Java instrumentation's default) still
          // sends each message's event, with an empty body: no prompt was captured.
          return;
        }
        String role = event.substring("gen_ai.".length(), event.length() - ".message".length());
        String message =
            "{\"role\":\"" + role + "\",\"body\":" + AnyValues.toJson(record.getBody()) + "}";
        input.merge(spanId, "[" + message + "]", LogEvents::join);
      }
      default -> {}
    }
  }

  private static boolean uncaptured(AnyValue body) {
    return body.getValueCase() == AnyValue.ValueCase.VALUE_NOT_SET
        || (body.hasKvlistValue() && body.getKvlistValue().getValuesCount() == 0);
  }
}
