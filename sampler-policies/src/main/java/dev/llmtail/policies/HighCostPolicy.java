package dev.llmtail.policies;

import dev.llmtail.core.Evidence;
import dev.llmtail.core.Explanation;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Verdict;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The {@code high-cost} policy type: keeps a trace whose LLM calls cost at least {@code
 * threshold_usd}, or — with {@code top_percent} — that is among the most expensive traces of the
 * recent window. A call's cost is the cost its span already carries, else its token usage priced
 * from the price table (reasoning tokens at the output price); models without a price are named in
 * the evidence.
 */
final class HighCostPolicy implements Policy {

  static final PolicyProvider<Options> PROVIDER =
      PolicyProvider.of("high-cost", Options.class, HighCostPolicy::new);

  /**
   * The YAML options of this policy.
   *
   * @param thresholdUsd keep a trace costing at least this much; default 0.50
   * @param topPercent if set, also keep traces in the top this-many percent of the last {@code
   *     window} traces by cost
   * @param window how many recent trace costs {@code top_percent} ranks against; default 1000
   * @param priceFile a JSON price table that extends or overrides the shipped one
   */
  record Options(Double thresholdUsd, Double topPercent, Integer window, String priceFile) {
    Options {
      thresholdUsd = thresholdUsd == null ? 0.50 : thresholdUsd;
      window = window == null ? 1000 : window;
      if (thresholdUsd < 0) {
        throw new IllegalArgumentException("threshold_usd: " + thresholdUsd + " (expected: >= 0)");
      }
      if (topPercent != null && !(topPercent > 0 && topPercent < 100)) {
        throw new IllegalArgumentException(
            "top_percent: " + topPercent + " (expected: 0 < value < 100)");
      }
      if (window < 10) {
        throw new IllegalArgumentException("window: " + window + " (expected: >= 10 traces)");
      }
    }
  }

  private final PriceTable prices;
  private final Options options;
  private final Object lock = new Object();
  private final ArrayDeque<Double> recent = new ArrayDeque<>(); // guarded by lock

  /** The answer for a trace without LLM calls: one shared verdict. */
  private final Verdict noCalls;

  HighCostPolicy(Options options) {
    PriceTable prices = PriceTable.shipped();
    if (options.priceFile() != null && !options.priceFile().isBlank()) {
      prices = prices.extendedWith(Path.of(options.priceFile()));
    }
    this.prices = prices;
    this.options = options;
    String threshold = ">= " + usd(options.thresholdUsd());
    this.noCalls =
        Verdict.noOpinion(
            () ->
                Explanation.of("no LLM calls", Evidence.ofTrace("trace cost", usd(0), threshold)));
  }

  static String usd(double amount) {
    return String.format(Locale.ROOT, amount < 0.01 ? "$%.4f" : "$%.2f", amount);
  }

  @Override
  public Verdict evaluate(TraceView trace) {
    List<LlmCall> calls = trace.llmCalls();
    if (calls.isEmpty()) {
      return noCalls;
    }
    double total = 0;
    LlmCall priciest = null;
    double priciestCost = -1;
    TreeSet<String> unpriced = null; // most traces price every call
    for (LlmCall call : calls) {
      OptionalDouble priced = prices.priced(call);
      if (priced.isEmpty()) {
        unpriced = unpriced == null ? new TreeSet<>() : unpriced;
        unpriced.add(call.model().isEmpty() ? "(unnamed model)" : call.model());
        continue;
      }
      double cost = priced.getAsDouble();
      total += cost;
      if (cost > priciestCost) {
        priciestCost = cost;
        priciest = call;
      }
    }
    double threshold = options.thresholdUsd();
    boolean over = total >= threshold && total > 0;
    CostWords words =
        new CostWords(
            over,
            total,
            threshold,
            priciest == null ? null : priciest.spanId(),
            priciest != null && priciest.costUsd() != null ? "cost on span" : "priced usage",
            priciestCost,
            calls.size(),
            unpriced);
    if (over) {
      return Verdict.keep(words);
    }
    if (options.topPercent() != null) {
      double cutoff = rememberAndRank(total);
      if (!Double.isNaN(cutoff) && total >= cutoff && total > 0) {
        return Verdict.keep(
            "high-cost: trace cost "
                + usd(total)
                + " is in the top "
                + options.topPercent()
                + "% of recent traces",
            Evidence.ofTrace(
                "trace cost",
                usd(total),
                ">= " + usd(cutoff) + " (top " + options.topPercent() + "%)"));
      }
    }
    return Verdict.noOpinion(words);
  }

  /**
   * The words of a priced trace's verdict, from values only: a decision log holds verdicts long
   * after the trace, so no call is captured, and one object holds them all.
   */
  private record CostWords(
      boolean over,
      double sum,
      double threshold,
      @Nullable String priciestSpan,
      String priced,
      double largest,
      int callCount,
      @Nullable TreeSet<String> unpriced)
      implements Supplier<Explanation> {

    @Override
    public Explanation get() {
      List<Evidence> ev = new ArrayList<>();
      ev.add(Evidence.ofTrace("trace cost", usd(sum), ">= " + usd(threshold)));
      if (priciestSpan != null) {
        ev.add(
            new Evidence(priciestSpan, priced, usd(largest), "largest of " + callCount + " calls"));
      }
      if (unpriced != null) {
        ev.add(
            Evidence.ofTrace(
                "models without a price", String.join(", ", unpriced), "add them with price_file"));
      }
      String reason =
          over
              ? "high-cost: trace cost " + usd(sum) + " >= " + usd(threshold)
              : "high-cost: " + usd(sum) + " < " + usd(threshold);
      return new Explanation(reason, ev);
    }
  }

  /**
   * Adds the cost to the window; returns the top-percent cutoff, NaN until the window has 10 costs.
   */
  private double rememberAndRank(double cost) {
    double[] sorted;
    synchronized (lock) {
      recent.addLast(cost);
      if (recent.size() > options.window()) {
        recent.removeFirst();
      }
      if (recent.size() < 10) {
        return Double.NaN;
      }
      sorted = recent.stream().mapToDouble(Double::doubleValue).toArray();
    }
    Arrays.sort(sorted);
    int index = (int) Math.floor(sorted.length * (1 - options.topPercent() / 100.0));
    return sorted[Math.min(sorted.length - 1, index)];
  }
}
