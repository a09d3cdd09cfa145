package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Explanation;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import dev.llmtail.policies.genai.SpanAttributes;
import dev.llmtail.policies.genai.SpanKeys;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The {@code retry-storm} policy type: keeps a trace in which one LLM request was attempted at
 * least {@code min_attempts} times — sibling LLM spans with the same model and prompt (each AI SDK
 * retry is its own span), a resend count on an LLM or HTTP client span, or failed (429/5xx) HTTP
 * attempts — and, with {@code rolling}, a trace whose retries come while its model's retry rate
 * over the recent window is above {@code max_retry_rate}: the retries that hide a provider's real
 * error rate (and triple the bill).
 *
 * <p>The rolling window is measured in trace time (span end times), so replaying recorded traffic
 * gives the same answers as live traffic did.
 */
final class RetryStormPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("retry-storm", Options.class, RetryStormPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param minAttempts attempts of one request that keep a trace; default 3
   * @param rolling optional per-model rolling retry rate
   */
  record Options(Integer minAttempts, Rolling rolling) {
    Options {
      minAttempts = minAttempts == null ? 3 : minAttempts;
      if (minAttempts < 2) {
        throw new IllegalArgumentException(
            "min_attempts: " + minAttempts + " (expected: >= 2; 1 attempt is no retry)");
      }
    }
  }

  /**
   * The optional per-model rolling retry rate.
   *
   * @param window how far back the rate looks; default 5m
   * @param maxRetryRate retries per LLM call above which a retrying trace is kept; default 0.2
   * @param minCalls calls a model needs in the window before its rate counts; default 20
   */
  record Rolling(Duration window, Double maxRetryRate, Integer minCalls) {
    Rolling {
      window = window == null ? Duration.ofMinutes(5) : window;
      maxRetryRate = maxRetryRate == null ? 0.2 : maxRetryRate;
      minCalls = minCalls == null ? 20 : minCalls;
      if (!(maxRetryRate > 0)) {
        throw new IllegalArgumentException(
            "max_retry_rate: " + maxRetryRate + " (expected: > 0, e.g. 0.2)");
      }
    }
  }

  /** The most-attempted request of a trace. */
  private record Attempts(int count, String spanId, String model, String how) {}

  private final Options options;
  private final TraceClock clock = new TraceClock();
  private final Object lock = new Object();

  /** Per model: (end time, calls, retries) of recent traces, oldest first. Guarded by lock. */
  private final Map<String, ArrayDeque<long[]>> windows = new HashMap<>();

  /** Traces already counted in a window. Guarded by lock. */
  private final CountedTraces counted = new CountedTraces();

  /** The answer for a trace without LLM calls or HTTP attempts. */
  private final Verdict nothingAttempted;

  RetryStormPolicy(Options options) {
    this.options = options;
    String threshold = ">= " + options.minAttempts();
    this.nothingAttempted =
        Verdict.noOpinion(
            () ->
                Explanation.of(
                    "no LLM calls", new Evidence("", "attempts (one call each)", "0", threshold)));
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    List<LlmCall> calls = trace.llmCalls();
    Attempts most = mostAttempted(trace, calls);
    int minAttempts = options.minAttempts();
    Supplier<Evidence> evidence =
        () ->
            new Evidence(
                most.spanId(),
                "attempts (" + most.how() + ")",
                Integer.toString(most.count()),
                ">= " + minAttempts);
    if (most.count() >= minAttempts) {
      return Verdict.keep(
          "retry-storm: "
              + most.count()
              + " attempts of one "
              + (most.model().isEmpty() ? "" : most.model() + " ")
              + "request ("
              + most.how()
              + ")",
          evidence.get());
    }
    if (options.rolling() != null && !calls.isEmpty()) {
      String model = ModelNames.base(calls.get(0).model());
      double rate = recordAndRate(trace, model, calls.size(), most.count() - 1);
      if (most.count() > 1 && rate > options.rolling().maxRetryRate()) {
        return Verdict.keep(
            "retry-storm: "
                + model
                + " retry rate "
                + String.format(java.util.Locale.ROOT, "%.2f", rate)
                + " over the last "
                + dev.llmtail.core.DurationFormat.format(options.rolling().window()),
            new Evidence(
                most.spanId(),
                "rolling retry rate of " + model,
                String.format(java.util.Locale.ROOT, "%.3f", rate),
                "> " + options.rolling().maxRetryRate()));
      }
    }
    if (most.count() == 0) {
      return nothingAttempted; // no LLM call and no HTTP attempt: the answer of most traces, shared
    }
    boolean noCalls = calls.isEmpty();
    return Verdict.noOpinion(
        () ->
            Explanation.of(
                noCalls ? "no LLM calls" : "at most " + most.count() + " attempt(s) of any request",
                evidence.get()));
  }

  private Attempts mostAttempted(TraceView trace, List<LlmCall> calls) {
    Attempts best =
        new Attempts(
            calls.isEmpty() ? 0 : 1,
            calls.isEmpty() ? "" : calls.get(0).spanId(),
            calls.isEmpty() ? "" : calls.get(0).model(),
            "one call each");
    for (int ci = 0; ci < calls.size(); ci++) {
      LlmCall call = calls.get(ci);
      if (!call.operation().equals("embeddings")
          && call.attempt() != null
          && call.attempt() + 1 > best.count()) {
        best =
            new Attempts(
                call.attempt() + 1, call.spanId(), call.model(), "resend count on the LLM span");
      }
    }
    if (mayRepeat(calls)) {
      best = mostRepeated(calls, best);
    }
    Map<String, Integer> failedHttp = null;
    Set<String> present = null;
    for (int si = 0; si < trace.spans().size(); si++) {
      SpanView s = trace.spans().get(si);
      if (!SpanKeys.hasHttpAttempt(s)) {
        continue; // most spans, told by the normaliser's pass over their keys
      }
      // Only HTTP keys are read: a view of all keys reads them as one of only those would.
      SpanAttributes a = SpanAttributes.of(s);
      Long resend = a.whole("http.request.resend_count");
      if (resend != null && resend + 1 > best.count()) {
        best =
            new Attempts(
                (int) Math.min(1000, resend + 1), s.spanIdHex(), "", "http.request.resend_count");
      }
      Long status = a.whole("http.response.status_code", "http.status_code");
      if (status == null && a.has("http.url")) {
        // Spring's HTTP client observations (RestClient, WebClient) name the status "status".
        status = a.whole("status");
      }
      if (status != null && (status == 429 || status >= 500)) {
        if (present == null) {
          present = new HashSet<>();
          for (int sj = 0; sj < trace.spans().size(); sj++) {
            SpanView span = trace.spans().get(sj);
            present.add(span.spanIdHex());
          }
          failedHttp = new HashMap<>();
        }
        String parent =
            java.util.HexFormat.of().formatHex(s.proto().getParentSpanId().toByteArray());
        // Attempts of one call share its span; when that span never arrived (LangChain retries
        // through a new client span each time, and a failed call's span may never end), attempts
        // to the same URL are taken for one request.
        String request =
            present.contains(parent) ? parent : "url:" + a.text("url.full", "http.url");
        // each failed attempt plus the one that followed it
        int n = Objects.requireNonNull(failedHttp).merge(request, 1, Integer::sum) + 1;
        if (n > best.count()) {
          best = new Attempts(n, s.spanIdHex(), "", "HTTP attempts answered 429/5xx");
        }
      }
    }
    return best;
  }

  /**
   * The largest group of calls that are attempts of one request, if it beats {@code best}.
   *
   * <p>Same model and span name alone is an agent loop or a batch, not a retry: calls count as
   * attempts of one request only with an identical captured prompt, or when one of them failed.
   */
  private static Attempts mostRepeated(List<LlmCall> calls, Attempts best) {
    Map<String, List<LlmCall>> same = new HashMap<>();
    for (int ci = 0; ci < calls.size(); ci++) {
      LlmCall call = calls.get(ci);
      if (!call.operation().equals("embeddings")) {
        same.computeIfAbsent(
                RequestFingerprint.of(call) + "|" + call.model(), k -> new ArrayList<>())
            .add(call);
      }
    }
    for (List<LlmCall> group : same.values()) {
      LlmCall first = group.get(0);
      boolean failed = false;
      for (LlmCall c : group) {
        failed |= c.statusError() || !c.errorType().isEmpty();
      }
      if (group.size() > best.count() && (RequestFingerprint.hasPrompt(first) || failed)) {
        best =
            new Attempts(
                group.size(),
                first.spanId(),
                first.model(),
                failed
                    ? "LLM spans of one request, some failed"
                    : "LLM spans with the same model and prompt");
      }
    }
    return best;
  }

  /**
   * Whether two calls may share a request key ({@link #mostRepeated}): almost every trace has none,
   * and then building the keys is skipped. Errs toward yes: compares the key's parts, and says yes
   * when a part holds the key's separator or there are too many calls to compare in pairs.
   */
  private static boolean mayRepeat(List<LlmCall> calls) {
    if (calls.size() < 2) {
      return false;
    }
    if (calls.size() > 64) {
      return true;
    }
    for (int ci = 0; ci < calls.size(); ci++) {
      LlmCall c = calls.get(ci);
      if (c.model().indexOf('|') >= 0
          || c.requestModel().indexOf('|') >= 0
          || c.spanName().indexOf('|') >= 0) {
        return true;
      }
    }
    for (int i = 0; i < calls.size(); i++) {
      LlmCall a = calls.get(i);
      for (int j = i + 1; j < calls.size(); j++) {
        LlmCall b = calls.get(j);
        if (!a.operation().equals("embeddings")
            && !b.operation().equals("embeddings")
            && a.model().equals(b.model())
            && a.prompt().sameRequest(b.prompt())
            && (a.prompt().captured() || a.spanName().equals(b.spanName()))
            && RequestFingerprint.of(a).equals(RequestFingerprint.of(b))) {
          return true;
        }
      }
    }
    return false;
  }

  private double recordAndRate(TraceView trace, String model, int calls, int retries) {
    Rolling r = options.rolling();
    synchronized (lock) {
      long now = clock.advance(trace);
      ArrayDeque<long[]> window = windows.computeIfAbsent(model, m -> new ArrayDeque<>());
      if (counted.firstTime(trace)) {
        window.addLast(new long[] {now, calls, retries});
      }
      // Entries from before the clock went back (it had followed a clock running ahead) are out
      // of the window too.
      long oldest = now - r.window().toNanos();
      window.removeIf(e -> e[0] < oldest || e[0] > now);
      long c = 0;
      long rt = 0;
      for (long[] e : window) {
        c += e[1];
        rt += e[2];
      }
      return c < r.minCalls() ? 0 : (double) rt / c;
    }
  }
}
