package dev.llmtail.core.buffer;

import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.TraceId;
import java.time.Duration;
import java.util.Optional;

/**
 * What the buffer knows about one trace still waiting for its decision: how much of it arrived,
 * whether its root ended, when it will be decided and on which trigger, and the timing settings
 * that make it wait. Facts only; putting them in words is the reader's job. A snapshot: the trace
 * may be decided a moment later.
 *
 * @param traceId the trace
 * @param spanCount spans buffered so far
 * @param bytes span bytes buffered so far (OTLP wire size)
 * @param rootEnded whether an ended root span arrived
 * @param deciding whether a thread has already taken the trace to decide it
 * @param sinceFirstSpan time since the first span of the trace arrived
 * @param sinceLastSpan time since the latest span arrived
 * @param dueIn time until it will be decided if nothing else arrives (zero when overdue)
 * @param expectedTrigger {@link DecisionTrigger#COMPLETE} or {@link DecisionTrigger#MAX_WAIT}
 * @param quietPeriod the {@code quiet_period} it waits: its completion rule's, or the buffer's
 * @param maxTraceWait the {@code max_trace_wait} it waits: its completion rule's, or the buffer's
 * @param completionRule the completion rule its root span matched; empty when the buffer's timing
 *     applies (no rule matched, or the root span has not arrived yet)
 */
public record BufferedTraceInfo(
    TraceId traceId,
    int spanCount,
    long bytes,
    boolean rootEnded,
    boolean deciding,
    Duration sinceFirstSpan,
    Duration sinceLastSpan,
    Duration dueIn,
    DecisionTrigger expectedTrigger,
    Duration quietPeriod,
    Duration maxTraceWait,
    Optional<CompletionRule> completionRule) {}
