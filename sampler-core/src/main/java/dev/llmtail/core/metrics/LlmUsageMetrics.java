package dev.llmtail.core.metrics;

import dev.llmtail.core.FinishReasons;
import dev.llmtail.core.LlmCall;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Counts LLM usage over 100 % of traffic, whether each trace is kept or dropped: calls, tokens,
 * cost, errors, retries, refusals and truncated streams, by provider and answering model. These
 * numbers are unbiased by construction; sampled traces only explain them.
 *
 * <p>Meters (all tagged {@code provider} and {@code model}; {@link ModelCardinalityFilter} folds
 * unknown values into {@code other}): {@code llmtail.llm.calls}, {@code
 * llmtail.llm.tokens{type=input|output|cached_input}}, {@code llmtail.llm.cost} (USD: a cost the
 * span reported, else its usage priced), {@code llmtail.llm.errors}, {@code llmtail.llm.retries},
 * {@code llmtail.llm.refusals}, {@code llmtail.llm.streams.truncated}, {@code
 * llmtail.llm.calls.unpriced} (usage without a price: the cost metric is short by these calls).
 *
 * <p>{@link LlmUsageAtDecision} calls {@link #count} with the calls of each trace when it is
 * decided, kept or dropped, and with the calls of spans that arrive after it: each call once.
 * Thread-safe (Micrometer counters are).
 */
public final class LlmUsageMetrics {

  private static final String OTHER = "other";
  private static final String CALLS = "llmtail.llm.calls";
  private static final String CALLS_HELP =
      "LLM calls of every decided trace, kept or dropped (100 % of traffic)";
  private static final String ERRORS = "llmtail.llm.errors";
  private static final String ERRORS_HELP = "LLM calls that failed";
  private static final String RETRIES = "llmtail.llm.retries";
  private static final String RETRIES_HELP = "LLM calls that were a retry of an earlier attempt";
  private static final String REFUSED = "llmtail.llm.refusals";
  private static final String REFUSED_HELP = "LLM calls the model refused or a filter blocked";
  private static final String TRUNCATED = "llmtail.llm.streams.truncated";
  private static final String TRUNCATED_HELP =
      "LLM calls cut by a token limit, and streams cut before they finished";

  private static final String UNPRICED = "llmtail.llm.calls.unpriced";
  private static final String UNPRICED_HELP =
      "LLM calls that reported token usage for a model without a price: missing from llmtail.llm.cost";

  private final MeterRegistry meters;
  private final Function<LlmCall, OptionalDouble> cost;

  /** Counts cost only from calls whose span reported one; calls with usage count as unpriced. */
  public LlmUsageMetrics(MeterRegistry meters) {
    this(
        meters,
        call ->
            call.costUsd() != null
                ? OptionalDouble.of(call.costUsd())
                : call.inputTokens() == null && call.outputTokens() == null
                    ? OptionalDouble.of(0)
                    : OptionalDouble.empty());
  }

  /**
   * @param cost the USD cost of a call (e.g. its reported cost, else its usage priced from a
   *     table), or empty when it reported usage that has no price
   */
  public LlmUsageMetrics(MeterRegistry meters, Function<LlmCall, OptionalDouble> cost) {
    this.meters = Objects.requireNonNull(meters, "meters");
    this.cost = Objects.requireNonNull(cost, "cost");
    // The counters the docs alert on exist at zero from the start (under the "other" model the
    // cardinality filter folds unknown names into), so that a rate over them has a series on a
    // fresh process instead of no data.
    counter(CALLS, CALLS_HELP, OTHER, OTHER);
    counter(ERRORS, ERRORS_HELP, OTHER, OTHER);
    counter(RETRIES, RETRIES_HELP, OTHER, OTHER);
    counter(REFUSED, REFUSED_HELP, OTHER, OTHER);
    counter(TRUNCATED, TRUNCATED_HELP, OTHER, OTHER);
    counter(UNPRICED, UNPRICED_HELP, OTHER, OTHER);
    for (String type : List.of("input", "output", "cached_input")) {
      tokens(OTHER, OTHER, type);
    }
    cost(OTHER, OTHER);
  }

  /** Counts LLM calls: those of one decided trace, or of spans that arrived after it. */
  public void count(List<LlmCall> calls) {
    for (LlmCall call : calls) {
      String provider =
          call.provider().isEmpty() ? "unknown" : call.provider().toLowerCase(Locale.ROOT);
      String model = call.model().isEmpty() ? "unknown" : call.model().toLowerCase(Locale.ROOT);
      counter(CALLS, CALLS_HELP, provider, model).increment();
      tokens(provider, model, "input", call.inputTokens());
      tokens(provider, model, "output", call.outputTokens());
      tokens(provider, model, "cached_input", call.cacheReadTokens());
      OptionalDouble usd = cost.apply(call);
      if (usd.isEmpty()) {
        counter(UNPRICED, UNPRICED_HELP, provider, model).increment();
      } else if (usd.getAsDouble() > 0) {
        cost(provider, model).increment(usd.getAsDouble());
      }
      if (call.statusError() || !call.errorType().isEmpty()) {
        counter(ERRORS, ERRORS_HELP, provider, model).increment();
      }
      if (call.attempt() != null && call.attempt() > 1) {
        counter(RETRIES, RETRIES_HELP, provider, model).increment();
      }
      if (FinishReasons.classify(call) == FinishReasons.Outcome.REFUSED) {
        counter(REFUSED, REFUSED_HELP, provider, model).increment();
      }
      if (truncated(call)) {
        counter(TRUNCATED, TRUNCATED_HELP, provider, model).increment();
      }
    }
  }

  /**
   * A call cut by a token limit, or a stream cut before it finished (see {@link FinishReasons}).
   */
  static boolean truncated(LlmCall call) {
    FinishReasons.Outcome outcome = FinishReasons.classify(call);
    return outcome == FinishReasons.Outcome.TRUNCATED || outcome == FinishReasons.Outcome.CUT;
  }

  private void tokens(String provider, String model, String type, @Nullable Long value) {
    if (value != null && value > 0) {
      tokens(provider, model, type).increment(value);
    }
  }

  private Counter tokens(String provider, String model, String type) {
    return Counter.builder("llmtail.llm.tokens")
        .description("Tokens billed by LLM calls, over 100 % of traffic")
        .baseUnit("tokens")
        .tag("provider", provider)
        .tag("model", model)
        .tag("type", type)
        .register(meters);
  }

  private Counter cost(String provider, String model) {
    return Counter.builder("llmtail.llm.cost")
        .description(
            "Cost in USD of LLM calls: reported by the span, else usage priced from the price table")
        .baseUnit("usd")
        .tag("provider", provider)
        .tag("model", model)
        .register(meters);
  }

  private Counter counter(String name, String description, String provider, String model) {
    return Counter.builder(name)
        .description(description)
        .tag("provider", provider)
        .tag("model", model)
        .register(meters);
  }
}
