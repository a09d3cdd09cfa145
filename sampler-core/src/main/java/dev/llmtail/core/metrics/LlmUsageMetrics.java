package dev.llmtail.core.metrics;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.llmtail.core.FinishReasons;
import dev.llmtail.core.LlmCall;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicReferenceArray;
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

  private static final int CALLS_SLOT = 0;
  private static final int INPUT_SLOT = 1;
  private static final int OUTPUT_SLOT = 2;
  private static final int CACHED_SLOT = 3;
  private static final int COST_SLOT = 4;
  private static final int UNPRICED_SLOT = 5;
  private static final int ERRORS_SLOT = 6;
  private static final int RETRIES_SLOT = 7;
  private static final int REFUSED_SLOT = 8;
  private static final int TRUNCATED_SLOT = 9;
  private static final int SLOTS = 10;

  /** (Provider, model) pairs whose counters are remembered; others are registered again. */
  private static final int REMEMBERED_MODELS = 1024;

  private final MeterRegistry meters;
  private final Function<LlmCall, OptionalDouble> cost;

  /**
   * The counters of each (provider, model) as the calls report them, so that counting a call is
   * increments, not ten meter registrations (a builder, tags and a registry lookup each): they
   * showed in the decider thread's profile. Bounded, since model names come from the traffic; a
   * forgotten pair is registered again, which finds the same meters.
   */
  private final Cache<ModelKey, ModelMeters> byModel =
      Caffeine.newBuilder().maximumSize(REMEMBERED_MODELS).executor(Runnable::run).build();

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
      ModelMeters m = meters(call.provider(), call.model());
      m.get(CALLS_SLOT).increment();
      tokens(m, INPUT_SLOT, call.inputTokens());
      tokens(m, OUTPUT_SLOT, call.outputTokens());
      tokens(m, CACHED_SLOT, call.cacheReadTokens());
      OptionalDouble usd = cost.apply(call);
      if (usd.isEmpty()) {
        m.get(UNPRICED_SLOT).increment();
      } else if (usd.getAsDouble() > 0) {
        m.get(COST_SLOT).increment(usd.getAsDouble());
      }
      if (call.statusError() || !call.errorType().isEmpty()) {
        m.get(ERRORS_SLOT).increment();
      }
      if (call.attempt() != null && call.attempt() > 1) {
        m.get(RETRIES_SLOT).increment();
      }
      FinishReasons.Outcome outcome = FinishReasons.classify(call);
      if (outcome == FinishReasons.Outcome.REFUSED) {
        m.get(REFUSED_SLOT).increment();
      }
      if (truncated(outcome)) {
        m.get(TRUNCATED_SLOT).increment();
      }
    }
  }

  private ModelMeters meters(String provider, String model) {
    ModelKey key = new ModelKey(provider, model);
    ModelMeters held = byModel.getIfPresent(key);
    // Looked up first: the function reference is a new object on every call to get.
    return held != null ? held : byModel.get(key, ModelMeters::new);
  }

  /**
   * A call cut by a token limit, or a stream cut before it finished (see {@link FinishReasons}).
   */
  static boolean truncated(LlmCall call) {
    return truncated(FinishReasons.classify(call));
  }

  private static boolean truncated(FinishReasons.Outcome outcome) {
    return outcome == FinishReasons.Outcome.TRUNCATED || outcome == FinishReasons.Outcome.CUT;
  }

  private static void tokens(ModelMeters m, int slot, @Nullable Long value) {
    if (value != null && value > 0) {
      m.get(slot).increment(value);
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

  /** A call's provider and model as reported, before they are lower-cased into tags. */
  private record ModelKey(String provider, String model) {}

  /**
   * The counters of one (provider, model), each registered on first use, as before: a model that
   * never failed has no error series. Racy but benign: two threads registering the same counter get
   * the same meter from the registry.
   */
  private final class ModelMeters {
    private final String provider;
    private final String model;
    private final AtomicReferenceArray<Counter> counters = new AtomicReferenceArray<>(SLOTS);

    ModelMeters(ModelKey key) {
      this.provider =
          key.provider().isEmpty() ? "unknown" : key.provider().toLowerCase(Locale.ROOT);
      this.model = key.model().isEmpty() ? "unknown" : key.model().toLowerCase(Locale.ROOT);
    }

    Counter get(int slot) {
      Counter c = counters.get(slot);
      if (c == null) {
        c = register(slot);
        counters.set(slot, c);
      }
      return c;
    }

    private Counter register(int slot) {
      return switch (slot) {
        case CALLS_SLOT -> counter(CALLS, CALLS_HELP, provider, model);
        case INPUT_SLOT -> tokens(provider, model, "input");
        case OUTPUT_SLOT -> tokens(provider, model, "output");
        case CACHED_SLOT -> tokens(provider, model, "cached_input");
        case COST_SLOT -> cost(provider, model);
        case UNPRICED_SLOT -> counter(UNPRICED, UNPRICED_HELP, provider, model);
        case ERRORS_SLOT -> counter(ERRORS, ERRORS_HELP, provider, model);
        case RETRIES_SLOT -> counter(RETRIES, RETRIES_HELP, provider, model);
        case REFUSED_SLOT -> counter(REFUSED, REFUSED_HELP, provider, model);
        case TRUNCATED_SLOT -> counter(TRUNCATED, TRUNCATED_HELP, provider, model);
        default -> throw new IllegalArgumentException("no counter in slot " + slot);
      };
    }
  }
}
