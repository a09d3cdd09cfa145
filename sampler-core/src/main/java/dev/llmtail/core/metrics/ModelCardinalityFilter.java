package dev.llmtail.core.metrics;

import dev.llmtail.core.LlmProviders;
import dev.llmtail.core.ModelFamilies;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the {@code model} and {@code provider} tags of {@code llmtail.llm.*} meters bounded: a
 * model that belongs to no known family, or any new model once {@code maxModels} distinct ones were
 * seen, is reported as {@code other}; so is a provider outside the known list. A model id can be
 * anything a client sends (fine-tune ids, deployment names), and every distinct value is a new time
 * series.
 */
public final class ModelCardinalityFilter implements MeterFilter {

  /** Default prefixes of model families whose names are kept as tag values. */
  public static final List<String> KNOWN_MODEL_PREFIXES = ModelFamilies.PREFIXES;

  /** Providers kept as tag values; others become {@code other}. */
  public static final Set<String> KNOWN_PROVIDERS = LlmProviders.KNOWN;

  private static final String PREFIX = "llmtail.llm.";

  private final List<String> modelPrefixes;
  private final int maxModels;
  private final Set<String> seenModels = ConcurrentHashMap.newKeySet();

  public ModelCardinalityFilter(List<String> modelPrefixes, int maxModels) {
    this.modelPrefixes = List.copyOf(modelPrefixes);
    this.maxModels = maxModels;
  }

  /** The default families, at most 100 distinct models. */
  public static ModelCardinalityFilter withDefaults() {
    return new ModelCardinalityFilter(KNOWN_MODEL_PREFIXES, 100);
  }

  @Override
  public Meter.Id map(Meter.Id id) {
    if (!id.getName().startsWith(PREFIX)) {
      return id;
    }
    List<Tag> tags = new ArrayList<>();
    boolean changed = false;
    for (Tag t : id.getTagsAsIterable()) {
      String value = t.getValue();
      String bounded =
          switch (t.getKey()) {
            case "model" -> model(value);
            case "provider" -> KNOWN_PROVIDERS.contains(value) ? value : "other";
            default -> value;
          };
      changed |= !bounded.equals(value);
      tags.add(Tag.of(t.getKey(), bounded));
    }
    return changed ? id.replaceTags(tags) : id;
  }

  private String model(String value) {
    String lower = value.toLowerCase(Locale.ROOT);
    if (modelPrefixes.stream().noneMatch(lower::startsWith)) {
      return "other";
    }
    if (seenModels.contains(lower)) {
      return lower;
    }
    synchronized (seenModels) {
      if (seenModels.size() >= maxModels) {
        return "other";
      }
      seenModels.add(lower);
      return lower;
    }
  }
}
