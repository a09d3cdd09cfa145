package dev.llmtail.policies.genai;

import dev.llmtail.core.Evaluation;
import dev.llmtail.core.GenAiFacts;
import dev.llmtail.core.GenAiReader;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads every LLM call and evaluation result in a trace into one model, whatever the dialect:
 * OpenTelemetry GenAI (current and older names), OpenInference, OpenLLMetry/Traceloop (legacy and
 * current), the Vercel AI SDK's {@code ai.*} spans and Spring AI's all-string values (see {@code
 * genai-dialects.md}). Non-LLM spans are left alone.
 *
 * <p>The jobs are split: {@link CallSpans} picks the spans that are calls, {@link LlmCallReader}
 * reads one call span (with {@link CapturedText} for its prompt and output), {@link JudgeCalls}
 * marks the calls an evaluator or guardrail made, {@link Evaluations} reads the results a span
 * carries, {@link LogEvents} the GenAI events sent as log records, and {@link FrameworkSpans} drops
 * a framework's span of a call the client reported too.
 *
 * <p>A value of the wrong type is ignored and counted in {@code llmtail.genai.values.ignored{key}};
 * reading never throws. Thread-safe.
 */
public final class GenAiNormalizer implements GenAiReader {

  private final MeterRegistry meters;
  private final Map<String, Counter> ignored = new ConcurrentHashMap<>();

  /** A normaliser that counts ignored values in {@code meters}. */
  public GenAiNormalizer(MeterRegistry meters) {
    this.meters = meters;
  }

  @Override
  public GenAiFacts read(TraceView trace) {
    List<SpanView> spans = trace.spans();
    Map<String, SpanAttributes> attributes = new HashMap<>();
    for (SpanView s : spans) {
      attributes.put(
          s.spanIdHex(), new SpanAttributes(s.proto().getAttributesList(), this::countIgnored));
    }
    Set<String> callIds = CallSpans.of(spans, attributes);
    Set<String> judges = JudgeCalls.of(spans, attributes, callIds);
    LogEvents logged = LogEvents.read(trace, this::countIgnored);
    List<Evaluation> evaluations = new ArrayList<>(logged.evaluations());
    List<LlmCall> calls = new ArrayList<>();
    for (SpanView s : spans) {
      String id = s.spanIdHex();
      SpanAttributes a = Objects.requireNonNull(attributes.get(id));
      if (callIds.contains(id)) {
        calls.add(
            LlmCallReader.read(
                s,
                a,
                logged.input().getOrDefault(id, ""),
                logged.output().getOrDefault(id, ""),
                judges.contains(id)));
      }
      Evaluations.read(s, a, this::countIgnored, evaluations);
    }
    return new GenAiFacts(FrameworkSpans.dropRepeats(calls), evaluations);
  }

  private void countIgnored(String key) {
    ignored
        .computeIfAbsent(
            key,
            k ->
                Counter.builder("llmtail.genai.values.ignored")
                    .description("GenAI attribute values that could not be read and were ignored")
                    .tag("key", k.replaceAll("\\.\\d+\\.", ".N."))
                    .register(meters))
        .increment();
  }
}
