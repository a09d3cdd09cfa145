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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Reads every LLM call and evaluation result in a trace into one model, whatever the dialect:
 * OpenTelemetry GenAI (current and older names), OpenInference, OpenLLMetry/Traceloop (legacy and
 * current), the Vercel AI SDK's {@code ai.*} spans and Spring AI's all-string values (see {@code
 * genai-dialects.md}). Non-LLM spans are left alone.
 *
 * <p>The jobs are split: {@link TraceSpans} gives each span that has something to read ({@link
 * PlainSpans} rules out the others in one pass over their keys) an attribute view, {@link
 * CallSpans} picks the spans that are calls, {@link LlmCallReader} reads one call span (with {@link
 * CapturedText} for its prompt and output), {@link JudgeCalls} marks the calls an evaluator or
 * guardrail made, {@link Evaluations} reads the results a span carries, {@link LogEvents} the GenAI
 * events sent as log records, and {@link FrameworkSpans} drops a framework's span of a call the
 * client reported too.
 *
 * <p>A value of the wrong type is ignored and counted in {@code llmtail.genai.values.ignored{key}};
 * reading never throws. Thread-safe.
 */
public final class GenAiNormalizer implements GenAiReader {

  private final MeterRegistry meters;
  private final Map<String, Counter> ignored = new ConcurrentHashMap<>();
  private final Consumer<String> onIgnored = this::countIgnored;

  /** Whether spans with nothing to read are told apart first ({@link PlainSpans}). */
  private final boolean triage;

  /** A normaliser that counts ignored values in {@code meters}. */
  public GenAiNormalizer(MeterRegistry meters) {
    this(meters, true);
  }

  /**
   * With {@code triage} false, every span is read the general way: the tests hold the facts of both
   * equal.
   */
  GenAiNormalizer(MeterRegistry meters, boolean triage) {
    this.meters = meters;
    this.triage = triage;
  }

  @Override
  public GenAiFacts read(TraceView trace) {
    TraceSpans spans = TraceSpans.of(trace.spans(), onIgnored, triage);
    if (!spans.anyViewed() && trace.logs().isEmpty()) {
      return GenAiFacts.NONE; // most traces of a mix, with one pass over each span's keys
    }
    boolean[] callSpans = CallSpans.of(spans);
    boolean @Nullable [] judges = JudgeCalls.of(spans, callSpans);
    LogEvents logged = LogEvents.read(trace, onIgnored);
    List<Evaluation> evaluations = new ArrayList<>(logged.evaluations());
    List<LlmCall> calls = new ArrayList<>();
    for (int i = 0; i < spans.size(); i++) {
      SpanAttributes a = spans.attributes(i);
      if (a == null) {
        continue; // neither a call nor carrying a result
      }
      SpanView s = spans.span(i);
      if (callSpans[i]) {
        String id = s.spanIdHex();
        calls.add(
            LlmCallReader.read(
                s,
                a,
                logged.input().getOrDefault(id, ""),
                logged.output().getOrDefault(id, ""),
                judges != null && judges[i]));
      }
      Evaluations.read(s, a, onIgnored, evaluations);
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
