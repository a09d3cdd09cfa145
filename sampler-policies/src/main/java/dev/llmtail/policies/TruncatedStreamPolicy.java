package dev.llmtail.policies;

import dev.llmtail.core.CountedVerdicts;
import dev.llmtail.core.Evidence;
import dev.llmtail.core.Explanation;
import dev.llmtail.core.FinishReasons;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code truncated-stream} policy type: keeps a trace in which an LLM call finished with a
 * truncating reason ({@code length}, {@code model_context_window_exceeded}, {@code error}),
 * streamed or not, or a streamed call (or one whose instrumentation does not say) was cut: it never
 * ended, ended with an error before any finish reason, ended with neither a finish reason nor usage
 * (an abort), or with a reason instrumentations write for a cut stream ({@link
 * FinishReasons#CUTS}). Also keeps a trace with an orphan HTTP client span that failed while its
 * parent (the LLM span a cut stream never ends) is missing, which is what a cut stream usually
 * leaves behind.
 */
final class TruncatedStreamPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("truncated-stream", Options.class, TruncatedStreamPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param truncatingReasons normalised finish reasons that mean the answer was cut; default
   *     length, model_context_window_exceeded, error
   * @param streamedOnly only judge streamed calls (default true); false judges every call
   * @param orphanHttpErrors also keep traces with a failed HTTP span whose parent never arrived
   *     (default true)
   */
  record Options(List<String> truncatingReasons, Boolean streamedOnly, Boolean orphanHttpErrors) {
    Options {
      truncatingReasons =
          truncatingReasons == null
              ? List.copyOf(FinishReasons.TRUNCATIONS)
              : truncatingReasons.stream().map(FinishReasons::normalise).toList();
      streamedOnly = streamedOnly == null || streamedOnly;
      orphanHttpErrors = orphanHttpErrors == null || orphanHttpErrors;
    }
  }

  private final Set<String> truncating;
  private final boolean streamedOnly;
  private final boolean orphanHttpErrors;
  private final CountedVerdicts finishedNormally =
      CountedVerdicts.noOpinion(
          streamed ->
              Explanation.of(
                  streamed == 0
                      ? "no streamed LLM calls"
                      : streamed + " streamed calls all finished normally",
                  Evidence.ofTrace(
                      "streamed calls", Integer.toString(streamed), "a normal finish each")));

  TruncatedStreamPolicy(Options options) {
    this.truncating = Set.copyOf(options.truncatingReasons());
    this.streamedOnly = options.streamedOnly();
    this.orphanHttpErrors = options.orphanHttpErrors();
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    int judged = 0;
    for (int ci = 0; ci < trace.llmCalls().size(); ci++) {
      LlmCall call = trace.llmCalls().get(ci);
      if (call.operation().equals("embeddings")) {
        continue;
      }
      // Several instrumentations (Traceloop, AI SDK v7) do not say whether a call streamed:
      // unknown is judged like a stream, on signs a finished answer never shows.
      boolean judge = !streamedOnly || !Boolean.FALSE.equals(call.streaming());
      judged += judge ? 1 : 0;
      String why = null;
      Evidence evidence = null;
      for (int ri = 0; ri < call.finishReasons().size(); ri++) {
        String r = call.finishReasons().get(ri);
        // An answer cut by max_tokens is cut whether it streamed or not.
        if (truncating.contains(r)) {
          why = "finished with " + r;
          evidence = LlmEvidence.of(call, "finish_reasons", r, "not one of " + truncating);
          break;
        }
      }
      String cut = judge ? FinishReasons.cutSign(call) : "";
      if (why == null && !cut.isEmpty()) {
        why = cut;
        evidence =
            LlmEvidence.of(
                call,
                "end",
                cut,
                "an ended span with a finish reason or usage, not one of " + FinishReasons.CUTS);
      }
      if (why != null) {
        return Verdict.keep(
            "truncated-stream: " + LlmEvidence.label(call) + " " + why,
            Objects.requireNonNull(evidence));
      }
    }
    if (orphanHttpErrors) {
      SpanView orphan = failedOrphanHttpSpan(trace);
      if (orphan != null) {
        return Verdict.keep(
            "truncated-stream: HTTP span " + orphan + " failed and its parent span never arrived",
            Evidence.ofSpan(orphan, "status", "ERROR with missing parent", "a complete call"));
      }
    }
    return finishedNormally.of(judged);
  }

  private static @Nullable SpanView failedOrphanHttpSpan(TraceView trace) {
    Set<String> present = null; // built only for the rare failed non-root HTTP span
    for (int si = 0; si < trace.spans().size(); si++) {
      SpanView s = trace.spans().get(si);
      if (s.isRoot() || s.statusCode() != Status.StatusCode.STATUS_CODE_ERROR) {
        continue;
      }
      boolean http =
          s.attribute("http.request.method").isPresent() || s.attribute("http.method").isPresent();
      if (!http) {
        continue;
      }
      if (present == null) {
        present = new HashSet<>();
        for (int sj = 0; sj < trace.spans().size(); sj++) {
          SpanView p = trace.spans().get(sj);
          present.add(p.spanIdHex());
        }
      }
      if (!present.contains(HexFormat.of().formatHex(s.proto().getParentSpanId().toByteArray()))) {
        return s;
      }
    }
    return null;
  }
}
