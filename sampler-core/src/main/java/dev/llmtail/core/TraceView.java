package dev.llmtail.core;

import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A trace as policies see it: every span received for one trace id, with its resource and scope,
 * and the trace-level facts most policies need. Immutable and safe to share between threads.
 */
public final class TraceView {

  private final TraceId traceId;
  private final List<ResourceSpans> fragments;
  private final List<byte[]> stored;
  private final List<ResourceLogs> logs;
  private final List<SpanView> spans;
  private final long startEpochNanos;
  private final long endEpochNanos;
  private final List<LlmCall> llmCalls;
  private final List<Evaluation> evaluations;

  private TraceView(
      TraceId traceId, List<ResourceSpans> fragments, List<ResourceLogs> logs, GenAiFacts genAi) {
    this(traceId, fragments, List.of(), logs, genAi);
  }

  private TraceView(
      TraceId traceId,
      List<ResourceSpans> fragments,
      List<byte[]> stored,
      List<ResourceLogs> logs,
      GenAiFacts genAi) {
    this.traceId = traceId;
    this.fragments = List.copyOf(fragments);
    this.stored = List.copyOf(stored);
    this.logs = List.copyOf(logs);
    this.llmCalls = genAi.calls();
    this.evaluations = genAi.evaluations();
    List<SpanView> all = new ArrayList<>();
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    // Indexed loops: no iterator per fragment, scope and span list on the deciders' path.
    for (int f = 0; f < this.fragments.size(); f++) {
      ResourceSpans rs = this.fragments.get(f);
      for (int i = 0; i < rs.getScopeSpansCount(); i++) {
        ScopeSpans ss = rs.getScopeSpans(i);
        for (int j = 0; j < ss.getSpansCount(); j++) {
          Span s = ss.getSpans(j);
          all.add(new SpanView(s, rs.getResource(), ss.getScope()));
          start = Math.min(start, s.getStartTimeUnixNano());
          end = Math.max(end, s.getEndTimeUnixNano());
        }
      }
    }
    this.spans = List.copyOf(all);
    this.startEpochNanos = all.isEmpty() ? 0 : start;
    this.endEpochNanos = all.isEmpty() ? 0 : end;
  }

  /** A view over the fragments (each holding spans of this trace only) received for a trace. */
  public static TraceView of(TraceId traceId, List<ResourceSpans> fragments) {
    return new TraceView(traceId, fragments, List.of(), GenAiFacts.NONE);
  }

  /** A view over the span fragments and the log records (GenAI events) received for a trace. */
  public static TraceView of(
      TraceId traceId, List<ResourceSpans> fragments, List<ResourceLogs> logs) {
    return new TraceView(traceId, fragments, logs, GenAiFacts.NONE);
  }

  /**
   * A view over fragments read back from a span store: {@code stored} holds each fragment's bytes
   * as received (the encoded {@code ResourceSpans} that {@code fragments} were parsed from, in the
   * same order), so that a kept trace is exported from them without encoding it again.
   */
  public static TraceView stored(
      TraceId traceId,
      List<byte[]> stored,
      List<ResourceSpans> fragments,
      List<ResourceLogs> logs) {
    if (stored.size() != fragments.size()) {
      throw new IllegalArgumentException(
          "stored: "
              + stored.size()
              + " encoded fragments for "
              + fragments.size()
              + " parsed ones (expected: the bytes each fragment was parsed from)");
    }
    return new TraceView(traceId, fragments, stored, logs, GenAiFacts.NONE);
  }

  /** A view with the LLM calls and evaluations read from its spans. */
  public static TraceView of(TraceId traceId, List<ResourceSpans> fragments, GenAiFacts genAi) {
    return new TraceView(traceId, fragments, List.of(), genAi);
  }

  /** This view with the facts {@code reader} finds in it. */
  public TraceView withGenAi(GenAiReader reader) {
    return new TraceView(this, reader.read(this));
  }

  /**
   * {@code view} with other facts: its spans are shared, not wrapped again, so that what a span
   * view computed once (its hex id) while the facts were read is not computed again for policies.
   */
  private TraceView(TraceView view, GenAiFacts genAi) {
    this.traceId = view.traceId;
    this.fragments = view.fragments;
    this.stored = view.stored;
    this.logs = view.logs;
    this.spans = view.spans;
    this.startEpochNanos = view.startEpochNanos;
    this.endEpochNanos = view.endEpochNanos;
    this.llmCalls = genAi.calls();
    this.evaluations = genAi.evaluations();
  }

  public TraceId traceId() {
    return traceId;
  }

  /** The spans as received, grouped under their resource and scope (the export shape). */
  public List<ResourceSpans> fragments() {
    return fragments;
  }

  /**
   * Each fragment encoded as a {@code ResourceSpans}, in the order of {@link #fragments()}: the
   * bytes as received when the view was read from a span store, otherwise encoded now.
   */
  public List<byte[]> encodedFragments() {
    if (!stored.isEmpty() || fragments.isEmpty()) {
      return stored;
    }
    List<byte[]> encoded = new ArrayList<>(fragments.size());
    for (ResourceSpans rs : fragments) {
      encoded.add(rs.toByteArray());
    }
    return encoded;
  }

  /**
   * The trace's spans' OTLP wire size in bytes: the stored fragments' lengths when the view was
   * read from a span store (nothing is encoded), otherwise each fragment's serialized size.
   */
  public long wireBytes() {
    long bytes = 0;
    if (!stored.isEmpty() || fragments.isEmpty()) {
      for (int i = 0; i < stored.size(); i++) {
        bytes += stored.get(i).length;
      }
      return bytes;
    }
    for (int i = 0; i < fragments.size(); i++) {
      bytes += fragments.get(i).getSerializedSize();
    }
    return bytes;
  }

  /** Log records that carry this trace's id (GenAI events), under their resource and scope. */
  public List<ResourceLogs> logs() {
    return logs;
  }

  /** How many log records {@link #logs()} holds. */
  public int logRecordCount() {
    int n = 0;
    for (ResourceLogs rl : logs) {
      for (var sl : rl.getScopeLogsList()) {
        n += sl.getLogRecordsCount();
      }
    }
    return n;
  }

  public List<SpanView> spans() {
    return spans;
  }

  /** The LLM calls in this trace, normalised from whatever dialect their spans used. */
  public List<LlmCall> llmCalls() {
    return llmCalls;
  }

  /** Evaluator, guardrail and feedback results found in this trace. */
  public List<Evaluation> evaluations() {
    return evaluations;
  }

  /** The span with this hex id, if the trace has it. */
  public Optional<SpanView> span(String spanIdHex) {
    for (int i = 0; i < spans.size(); i++) {
      SpanView s = spans.get(i);
      if (s.hasSpanIdHex(spanIdHex)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** Conversation or session ids found in this trace's LLM calls, in first-seen order. */
  public Set<String> conversationIds() {
    Set<String> ids = new LinkedHashSet<>();
    for (LlmCall call : llmCalls) {
      if (!call.conversationId().isEmpty()) {
        ids.add(call.conversationId());
      }
    }
    return ids;
  }

  public int spanCount() {
    return spans.size();
  }

  /** The root span, if it was received. */
  public Optional<SpanView> root() {
    for (SpanView s : spans) {
      if (s.isRoot()) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** Earliest span start in the trace (epoch nanos), 0 for an empty trace. */
  public long startEpochNanos() {
    return startEpochNanos;
  }

  /** Latest span end in the trace (epoch nanos), 0 for an empty trace. */
  public long endEpochNanos() {
    return endEpochNanos;
  }

  /** From the earliest start to the latest end over all spans. */
  public long durationNanos() {
    return Math.max(0, endEpochNanos - startEpochNanos);
  }
}
