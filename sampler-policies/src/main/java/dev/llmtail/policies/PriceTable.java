package dev.llmtail.policies;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmtail.core.LlmCall;
import dev.llmtail.core.LlmProviders;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.jspecify.annotations.Nullable;

/**
 * Per-token USD prices by model, used by {@code high-cost} and the LLM cost metric: the table
 * shipped in {@code prices.json}, optionally extended or overridden by a user file of the same
 * shape ({@code {"models": {"gpt-4o": {"input": 2.5e-6, "output": 1e-5, "cache_read": 1.25e-6,
 * "cache_write": …}}}}). A call is priced by its answering model, then its requested model, each
 * first as written and then without date suffix.
 */
public final class PriceTable {

  /** Prices of one model, USD per token; cache prices fall back to the input price. */
  record Price(double input, double output, double cacheRead, double cacheWrite) {

    /**
     * OTel counts cached tokens inside input tokens: bill them at the cache prices instead.
     * Reasoning tokens are billed at the output price (every provider does so).
     */
    double cost(LlmCall call) {
      long in = orZero(call.inputTokens());
      long read = orZero(call.cacheReadTokens());
      long write = orZero(call.cacheWriteTokens());
      long uncached = Math.max(0, in - read - write);
      return uncached * input + read * cacheRead + write * cacheWrite + billedOutput(call) * output;
    }

    /**
     * Output tokens with the reasoning tokens the count left out. OpenAI and Anthropic count
     * reasoning inside output tokens; Gemini reports thinking apart ({@code thoughtsTokenCount}
     * beside {@code candidatesTokenCount}), and a reasoning count larger than the output count
     * cannot be inside it.
     */
    static long billedOutput(LlmCall call) {
      long out = orZero(call.outputTokens());
      long reasoning = orZero(call.reasoningTokens());
      boolean apart = reasoning > out || call.provider().equals(LlmProviders.GOOGLE);
      return apart ? out + reasoning : out;
    }

    private static long orZero(@Nullable Long n) {
      return n == null ? 0 : Math.max(0, n);
    }
  }

  /** A priced match: which name matched and its price. */
  record Match(String model, Price price) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Map<String, Price> prices;

  private PriceTable(Map<String, Price> prices) {
    this.prices = Map.copyOf(prices);
  }

  /** The table shipped with llmtail. */
  public static PriceTable shipped() {
    try (InputStream in = PriceTable.class.getResourceAsStream("prices.json")) {
      if (in == null) {
        throw new IllegalStateException("prices.json is missing from the llmtail jar");
      }
      return new PriceTable(parse(JSON.readTree(in), "the shipped prices.json"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the shipped prices.json", e);
    }
  }

  /** The shipped table with every model in {@code file} added or replaced. */
  PriceTable extendedWith(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "price_file: cannot read "
              + file
              + ": "
              + e.getMessage()
              + " (expected: a JSON file {\"models\": {\"model-name\": {\"input\": 2.5e-6, \"output\": 1e-5}}})");
    }
    Map<String, Price> merged = new HashMap<>(prices);
    merged.putAll(parse(root, "price_file " + file));
    return new PriceTable(merged);
  }

  private static Map<String, Price> parse(JsonNode root, String source) {
    JsonNode models = root.path("models");
    if (!models.isObject()) {
      throw new IllegalArgumentException(
          "price_file: "
              + source
              + " has no \"models\" object (expected: {\"models\": {\"gpt-4o\": {\"input\": 2.5e-6, \"output\": 1e-5}}})");
    }
    Map<String, Price> out = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : models.properties()) {
      JsonNode p = e.getValue();
      if (!p.path("input").isNumber() || !p.path("output").isNumber()) {
        throw new IllegalArgumentException(
            "price_file: model '"
                + e.getKey()
                + "' in "
                + source
                + " needs numeric \"input\" and \"output\" (USD per token)");
      }
      double input = p.get("input").asDouble();
      out.put(
          e.getKey().toLowerCase(java.util.Locale.ROOT),
          new Price(
              input,
              p.get("output").asDouble(),
              p.path("cache_read").asDouble(input),
              p.path("cache_write").asDouble(input)));
    }
    return out;
  }

  /** The call's cost: what its span reported, else its usage priced; 0 when neither is known. */
  public double costOf(LlmCall call) {
    return priced(call).orElse(0.0);
  }

  /**
   * The call's cost — what its span reported, else its usage priced, 0 when it reported no usage —
   * or empty when it reported usage for a model the table has no price for.
   */
  public OptionalDouble priced(LlmCall call) {
    if (call.costUsd() != null) {
      return OptionalDouble.of(call.costUsd());
    }
    Optional<Match> match = find(call);
    if (match.isPresent()) {
      return OptionalDouble.of(match.get().price().cost(call));
    }
    boolean usage =
        call.inputTokens() != null || call.outputTokens() != null || call.reasoningTokens() != null;
    return usage ? OptionalDouble.empty() : OptionalDouble.of(0);
  }

  /**
   * The shipped table extended with the {@code price_file} of every top-level {@code high-cost}
   * policy among {@code policyOptions} (validated policy options, as the config loader returns
   * them), so that the cost metric prices what the policy prices.
   */
  public static PriceTable configured(Collection<? extends Record> policyOptions) {
    PriceTable table = shipped();
    for (Record options : policyOptions) {
      if (options instanceof HighCostPolicy.Options o
          && o.priceFile() != null
          && !o.priceFile().isBlank()) {
        table = table.extendedWith(Path.of(o.priceFile()));
      }
    }
    return table;
  }

  Optional<Match> find(LlmCall call) {
    for (String model : new String[] {call.responseModel(), call.requestModel()}) {
      if (model.isEmpty()) {
        continue;
      }
      String lower = model.toLowerCase(java.util.Locale.ROOT);
      Price p = prices.get(lower.substring(lower.lastIndexOf('/') + 1));
      if (p == null) {
        p = prices.get(ModelNames.base(model));
      }
      if (p != null) {
        return Optional.of(new Match(model, p));
      }
    }
    return Optional.empty();
  }
}
