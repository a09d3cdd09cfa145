package dev.llmtail.policies;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import dev.llmtail.policies.genai.SpanAttributes;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code duplicate-request} policy type: keeps a trace in which the same prompt was billed
 * twice — two billed LLM calls with the same model and captured prompt in one trace, or in one
 * conversation within {@code window} — and (by default) the first of them was cut off: the client
 * re-sent a whole prompt after a proxy cut its stream. A cut call counts without usage (a cut
 * stream rarely carries any). When the cut call's span never arrived, which is what several
 * instrumentations leave of a cut stream, a failed HTTP span without its parent followed by an LLM
 * call to the same URL keeps the trace (the prompt is then not compared).
 */
final class DuplicateRequestPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("duplicate-request", Options.class, DuplicateRequestPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param requireFirstCut only count a repeat whose first call did not finish normally; default
   *     true
   * @param window how long a conversation's prompts are remembered across traces; default 2m, 0s
   *     turns the cross-trace check off
   */
  record Options(Boolean requireFirstCut, Duration window) {
    Options {
      requireFirstCut = requireFirstCut == null || requireFirstCut;
      window = window == null ? Duration.ofMinutes(2) : window;
      if (window.isNegative()) {
        throw new IllegalArgumentException("window: " + window + " (expected: >= 0s)");
      }
    }
  }

  /** The earliest billed call seen for a conversation and prompt. */
  private record Seen(String traceId, long startNanos, boolean cut, String spanId) {}

  private final Options options;
  private final TraceClock clock = new TraceClock();
  private final CountedVerdicts billedOnce =
      CountedVerdicts.noOpinion(
          billed ->
              Explanation.of(
                  billed == 0
                      ? "no billed LLM call with a captured prompt"
                      : "no prompt billed twice in " + billed + " calls",
                  Evidence.ofTrace(
                      "billed calls with prompts", Integer.toString(billed), "a repeated prompt")));

  /** Expires in trace time, so that replay remembers what live traffic remembered. */
  private final Cache<String, Seen> conversations;

  DuplicateRequestPolicy(Options options) {
    this.options = options;
    this.conversations =
        Caffeine.newBuilder()
            .maximumSize(200_000)
            .ticker(clock)
            .expireAfterWrite(options.window().isZero() ? Duration.ofNanos(1) : options.window())
            .build();
  }

  private static boolean billed(LlmCall c) {
    return (c.inputTokens() != null && c.inputTokens() > 0)
        || (c.outputTokens() != null && c.outputTokens() > 0);
  }

  private static boolean cut(LlmCall c) {
    return !c.ended()
        || c.statusError()
        || c.finishReasons().isEmpty()
        || c.finishReasons().stream().anyMatch(FinishReasons.TRUNCATIONS::contains);
  }

  /**
   * In privacy mode no prompt is captured: a call that failed before any finish reason, followed by
   * a call of the same model and span name that finished, is the client re-sending.
   */
  private static @Nullable Verdict resentWithoutPrompt(TraceView trace) {
    List<LlmCall> calls = byStart(trace, false);
    for (int i = 0; i < calls.size(); i++) {
      LlmCall earlier = calls.get(i);
      if (!earlier.statusError() || !earlier.finishReasons().isEmpty()) {
        continue;
      }
      for (LlmCall later : calls.subList(i + 1, calls.size())) {
        if (!later.finishReasons().isEmpty()
            && RequestFingerprint.of(later).equals(RequestFingerprint.of(earlier))) {
          return Verdict.keep(
              "duplicate-request: "
                  + LlmEvidence.label(later)
                  + " repeated "
                  + LlmEvidence.label(earlier)
                  + ", which failed before finishing (prompts not captured)",
              LlmEvidence.of(
                  later, "same model and span name as", earlier.spanId(), "first call cut off"));
        }
      }
    }
    return null;
  }

  private static final String[] HTTP_KEYS = {"url.full", "http.request.method"};

  /**
   * What the openai client under OpenInference or Traceloop, and the AI SDK v6, leave of a stream
   * cut mid-body: its LLM span never ends, only its HTTP client span arrives, failed, its parent
   * missing. An LLM call that later sends to the same URL is the client re-sending; the prompt
   * itself is not in the trace, so the URL is the evidence.
   */
  private static @Nullable Verdict resentAfterCutHttp(TraceView trace) {
    Set<String> present = null; // built for the rare failed span that is not the root
    Set<String> calls = new HashSet<>();
    HexFormat hex = HexFormat.of();
    for (SpanView cut : trace.spans()) {
      if (cut.isRoot() || cut.statusCode() != Status.StatusCode.STATUS_CODE_ERROR) {
        continue;
      }
      if (present == null) {
        present = new HashSet<>();
        for (SpanView s : trace.spans()) {
          present.add(s.spanIdHex());
        }
        for (LlmCall c : trace.llmCalls()) {
          calls.add(c.spanId());
        }
      }
      if (present.contains(hex.formatHex(cut.proto().getParentSpanId().toByteArray()))) {
        continue;
      }
      String url = SpanAttributes.of(cut, HTTP_KEYS).text("url.full");
      if (url.isEmpty()) {
        continue;
      }
      for (SpanView later : trace.spans()) {
        String parent = hex.formatHex(later.proto().getParentSpanId().toByteArray());
        if (later.startEpochNanos() > cut.startEpochNanos()
            && calls.contains(parent)
            && url.equals(SpanAttributes.of(later, HTTP_KEYS).text("url.full"))) {
          return Verdict.keep(
              "duplicate-request: LLM call "
                  + parent
                  + " re-sent to "
                  + url
                  + " after HTTP span "
                  + cut.spanIdHex()
                  + " was cut and its call never ended",
              Evidence.ofSpan(cut, "request cut, then sent again to", url, "first call cut off"));
        }
      }
    }
    return null;
  }

  /**
   * The trace's calls other than embeddings, by start time (a stable sort): with {@code prompted},
   * those with a captured prompt that were billed or cut; without, those without a prompt.
   */
  private static List<LlmCall> byStart(TraceView trace, boolean prompted) {
    List<LlmCall> all = trace.llmCalls();
    List<LlmCall> calls = new ArrayList<>(all.size());
    for (LlmCall c : all) {
      if (!c.operation().equals("embeddings")
          && (prompted
              ? RequestFingerprint.hasPrompt(c) && (billed(c) || cut(c))
              : !RequestFingerprint.hasPrompt(c))) {
        calls.add(c);
      }
    }
    if (calls.size() > 1) {
      calls.sort(Comparator.comparingLong(LlmCall::startEpochNanos));
    }
    return calls;
  }

  /**
   * Whether two of {@code calls} (each with a captured prompt) ask the same model and share an
   * input digest: only then can they share a fingerprint, the model's base, {@code |prompt:} and
   * the digest (hex, no {@code |}). The models first: a digest is made only for calls of one model.
   */
  private static boolean sharesDigest(List<LlmCall> calls) {
    if (calls.size() > 64) {
      return true; // not compared in pairs
    }
    for (int i = 0; i < calls.size(); i++) {
      for (int j = i + 1; j < calls.size(); j++) {
        LlmCall a = calls.get(i);
        LlmCall b = calls.get(j);
        if (RequestFingerprint.model(a).equals(RequestFingerprint.model(b))
            && a.prompt().sameRequest(b.prompt())) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    clock.advance(trace);
    // A cut stream usually carries no usage (the instrumentation never saw the final chunk), yet
    // the provider billed its prompt: a cut call counts without usage.
    List<LlmCall> calls = byStart(trace, true);
    Map<String, LlmCall> first = new HashMap<>();
    boolean compare = sharesDigest(calls);
    for (LlmCall call : calls) {
      // The fingerprint is a new string: made only when there is something to compare it with.
      String fingerprint = null;
      LlmCall earlier = null;
      if (compare) {
        fingerprint = RequestFingerprint.of(call);
        earlier = first.putIfAbsent(fingerprint, call);
      }
      if (earlier != null && (!options.requireFirstCut() || cut(earlier))) {
        return Verdict.keep(
            "duplicate-request: "
                + LlmEvidence.label(call)
                + " re-sent the prompt of "
                + LlmEvidence.label(earlier)
                + (cut(earlier) ? ", which was cut off" : ""),
            LlmEvidence.of(
                call,
                "same model and prompt as",
                earlier.spanId(),
                options.requireFirstCut() ? "first call cut off" : "billed twice"));
      }
      if (!options.window().isZero() && !call.conversationId().isEmpty()) {
        if (fingerprint == null) {
          fingerprint = RequestFingerprint.of(call);
        }
        String key = call.conversationId() + "|" + fingerprint;
        Seen seen =
            conversations.get(
                key,
                k ->
                    new Seen(
                        trace.traceId().toHex(), call.startEpochNanos(), cut(call), call.spanId()));
        boolean sameCall = seen.traceId().equals(trace.traceId().toHex());
        if (!sameCall
            && call.startEpochNanos() - seen.startNanos() <= options.window().toNanos()
            && (!options.requireFirstCut() || seen.cut())) {
          return Verdict.keep(
              "duplicate-request: "
                  + LlmEvidence.label(call)
                  + " re-sent a prompt of trace "
                  + seen.traceId()
                  + " in conversation "
                  + call.conversationId(),
              LlmEvidence.of(
                  call,
                  "same conversation, model and prompt as span",
                  seen.spanId(),
                  "within " + dev.llmtail.core.DurationFormat.format(options.window())));
        }
      }
    }
    if (options.requireFirstCut()) {
      Verdict resent = resentWithoutPrompt(trace);
      if (resent != null) {
        return resent;
      }
      resent = resentAfterCutHttp(trace);
      if (resent != null) {
        return resent;
      }
    }
    return billedOnce.of(calls.size());
  }
}
