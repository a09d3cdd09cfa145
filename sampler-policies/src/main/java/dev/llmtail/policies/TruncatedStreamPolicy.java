package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
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
import java.util.Set;

/**
 * The {@code truncated-stream} policy type: keeps a trace in which a streamed LLM call ended
 * without a normal finish — with an error, without any finish reason, with a truncating finish
 * reason ({@code length}, {@code model_context_window_exceeded}, {@code error}), or never ended.
 * Also keeps a trace with an orphan HTTP client span that failed while its parent (the LLM span a
 * cut stream never ends) is missing, which is what a cut stream usually leaves behind.
 */
final class TruncatedStreamPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("truncated-stream", Options.class, TruncatedStreamPolicy::new);

  /**
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

  TruncatedStreamPolicy(Options options) {
    this.truncating = Set.copyOf(options.truncatingReasons());
    this.streamedOnly = options.streamedOnly();
    this.orphanHttpErrors = options.orphanHttpErrors();
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    int judged = 0;
    for (LlmCall call : trace.llmCalls()) {
      if (streamedOnly && !Boolean.TRUE.equals(call.streaming())) {
        continue;
      }
      judged++;
      String why = null;
      Evidence evidence = null;
      if (!call.ended()) {
        why = "never ended";
        evidence = LlmEvidence.of(call, "end time", "none", "an ended span");
      } else if (call.statusError()) {
        why =
            "ended with an error"
                + (call.errorType().isEmpty() ? "" : " (" + call.errorType() + ")");
        evidence = LlmEvidence.of(call, "status", "ERROR " + call.errorType(), "OK or UNSET");
      } else if (call.finishReasons().isEmpty()) {
        why = "ended without a finish reason";
        evidence = LlmEvidence.of(call, "finish_reasons", "none", "a finish reason");
      } else {
        for (String r : call.finishReasons()) {
          if (truncating.contains(r)) {
            why = "finished with " + r;
            evidence = LlmEvidence.of(call, "finish_reasons", r, "not one of " + truncating);
            break;
          }
        }
      }
      if (why != null) {
        return Verdict.keep("truncated-stream: " + LlmEvidence.label(call) + " " + why, evidence);
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
    return Verdict.noOpinion(
        judged == 0 ? "no streamed LLM calls" : judged + " streamed calls all finished normally",
        Evidence.ofTrace("streamed calls", Integer.toString(judged), "a normal finish each"));
  }

  private static SpanView failedOrphanHttpSpan(TraceView trace) {
    Set<String> present = null; // built only for the rare failed non-root HTTP span
    for (SpanView s : trace.spans()) {
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
        for (SpanView p : trace.spans()) {
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
