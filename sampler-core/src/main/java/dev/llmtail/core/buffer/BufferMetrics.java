package dev.llmtail.core.buffer;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the buffer holds and has done, as numbers: the running totals the bounds are checked
 * against, and the {@code llmtail.buffer.*}, {@code llmtail.late.spans} and {@code
 * llmtail.decisions} meters. Thread-safe: every field is atomic or a Micrometer meter.
 */
final class BufferMetrics {

  final AtomicInteger traces = new AtomicInteger();
  final AtomicLong bytes = new AtomicLong();
  final AtomicLong spans = new AtomicLong();

  final Counter spansAdmitted;
  final Counter logRecordsAdmitted;
  final Counter decidedEarly;
  final Counter listenerFailures;
  final Counter recalled;
  final Counter unreadableFragments;
  private final Counter lateKept;
  private final Counter lateDropped;
  private final Counter overSpanLimit;
  private final Counter overByteLimit;
  private final MeterRegistry meters;

  /**
   * {@code llmtail.decisions} of kept and of dropped traces by trigger, each registered on first
   * use, then looked up: registering it for every decided trace showed in profiles.
   */
  private final Map<DecisionTrigger, Counter> keptDecisions = new ConcurrentHashMap<>();

  private final Map<DecisionTrigger, Counter> droppedDecisions = new ConcurrentHashMap<>();

  BufferMetrics(MeterRegistry meters, BufferSettings settings) {
    this.meters = meters;
    // The limits beside the fill, so a dashboard shows how full the buffer is.
    Gauge.builder("llmtail.buffer.max_traces", settings, BufferSettings::maxTraces)
        .description("buffer.max_traces: traces held before the oldest are decided early")
        .register(meters);
    Gauge.builder("llmtail.buffer.max_bytes", settings, BufferSettings::maxBytes)
        .description("buffer.max_bytes: span bytes held before the oldest traces are decided early")
        .baseUnit("bytes")
        .register(meters);
    Gauge.builder("llmtail.buffer.traces", traces, AtomicInteger::get)
        .description("Traces waiting for a decision")
        .register(meters);
    Gauge.builder("llmtail.buffer.bytes", bytes, AtomicLong::get)
        .description("Span bytes (OTLP wire size) waiting for a decision")
        .baseUnit("bytes")
        .register(meters);
    Gauge.builder("llmtail.buffer.spans", spans, AtomicLong::get)
        .description("Spans waiting for a decision (their trace is open or being decided)")
        .register(meters);
    spansAdmitted =
        Counter.builder("llmtail.buffer.spans.admitted")
            .description("Spans accepted into the buffer or routed as late spans")
            .register(meters);
    lateKept = lateCounter("kept");
    lateDropped = lateCounter("dropped");
    logRecordsAdmitted =
        Counter.builder("llmtail.buffer.log_records.admitted")
            .description("Log records with a trace id attached to their trace or routed as late")
            .register(meters);
    decidedEarly =
        Counter.builder("llmtail.buffer.decided.early")
            .description("Traces decided before they were complete because a buffer bound was hit")
            .register(meters);
    overSpanLimit = overLimitCounter("max_trace_spans");
    overByteLimit = overLimitCounter("max_trace_bytes");
    listenerFailures =
        Counter.builder("llmtail.buffer.listener.failures")
            .description("Decided traces or late spans the downstream listener failed to take")
            .register(meters);
    unreadableFragments =
        Counter.builder("llmtail.buffer.fragments.unreadable")
            .description(
                "Fragments read back from the span store that did not parse (a bug): their trace"
                    + " was decided without them")
            .register(meters);
    recalled =
        Counter.builder("llmtail.buffer.decisions.recalled")
            .description(
                "Decisions the decision cache had forgotten, recalled (from the span log) for a"
                    + " late fragment carrying evidence, which then followed them")
            .register(meters);
  }

  private Counter lateCounter(String outcome) {
    return Counter.builder("llmtail.late.spans")
        .description(
            "Spans that arrived after their trace was decided, by the decision they followed")
        .tag("outcome", outcome)
        .register(meters);
  }

  private Counter overLimitCounter(String limit) {
    return Counter.builder("llmtail.buffer.decided.over_limit")
        .description(
            "Traces decided at once, before they were complete, because they passed a per-trace"
                + " limit")
        .tag("limit", limit)
        .register(meters);
  }

  void late(boolean kept, int spanCount) {
    (kept ? lateKept : lateDropped).increment(spanCount);
  }

  void overLimit(DecisionTrigger trigger) {
    (trigger == DecisionTrigger.MAX_TRACE_SPANS ? overSpanLimit : overByteLimit).increment();
  }

  void decided(Decision decision) {
    Map<DecisionTrigger, Counter> byTrigger = decision.kept() ? keptDecisions : droppedDecisions;
    Counter counter = byTrigger.get(decision.trigger());
    if (counter == null) {
      // Registered on first use, so that only the outcomes and triggers that happened show.
      counter =
          byTrigger.computeIfAbsent(
              decision.trigger(),
              trigger ->
                  Counter.builder("llmtail.decisions")
                      .description("Traces decided, by outcome and trigger")
                      .tag("outcome", decision.kept() ? "kept" : "dropped")
                      .tag("trigger", trigger.name().toLowerCase(Locale.ROOT))
                      .register(meters));
    }
    counter.increment();
  }
}
