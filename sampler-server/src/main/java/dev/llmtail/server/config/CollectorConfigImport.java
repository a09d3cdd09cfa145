package dev.llmtail.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Converts the {@code tail_sampling} processor of an OpenTelemetry Collector config into an llmtail
 * config, so a team can move its rules in one step. Every policy type the two share is converted
 * (sub-policies at any depth); what has no equivalent is listed with the reason and a suggestion.
 */
public final class CollectorConfigImport {

  /**
   * The llmtail config as YAML; one line per thing that could not be converted; one line per thing
   * that was converted but behaves differently in llmtail.
   */
  public record Result(String yaml, List<String> notConverted, List<String> differences) {}

  private static final YAMLMapper YAML =
      YAMLMapper.builder()
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .build();

  /** Options copied as they are, per policy type; anything else is reported. */
  private static final Map<String, Set<String>> SAME_OPTIONS =
      Map.ofEntries(
          Map.entry("always_sample", Set.of()),
          Map.entry("status_code", Set.of("status_codes")),
          Map.entry(
              "string_attribute",
              Set.of("key", "values", "enabled_regex_matching", "invert_match")),
          Map.entry("numeric_attribute", Set.of("key", "min_value", "max_value", "invert_match")),
          Map.entry("boolean_attribute", Set.of("key", "value", "invert_match")),
          Map.entry("probabilistic", Set.of("sampling_percentage")),
          Map.entry("rate_limiting", Set.of("spans_per_second")),
          Map.entry("bytes_limiting", Set.of("bytes_per_second", "burst_capacity")),
          Map.entry("span_count", Set.of("min_spans", "max_spans")),
          Map.entry("trace_state", Set.of("key", "values")),
          Map.entry("latency", Set.of()),
          Map.entry("and", Set.of()),
          Map.entry("drop", Set.of()),
          Map.entry("composite", Set.of("max_total_spans_per_second", "rate_allocation")));

  private CollectorConfigImport() {}

  /**
   * Converts Collector YAML read from {@code source}; throws {@link IllegalArgumentException},
   * naming {@code source}, if it is not YAML or has no tail_sampling processor.
   */
  public static Result convert(String source, String collectorYaml) {
    JsonNode root;
    try {
      root = YAML.readTree(collectorYaml);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(YamlDocument.problem(source, collectorYaml, e), e);
    }
    Map<String, JsonNode> processors = new LinkedHashMap<>();
    if (root != null) {
      root.path("processors")
          .properties()
          .forEach(
              e -> {
                if (e.getKey().equals("tail_sampling") || e.getKey().startsWith("tail_sampling/")) {
                  processors.put(e.getKey(), e.getValue());
                }
              });
    }
    if (processors.isEmpty()) {
      throw new IllegalArgumentException(
          source
              + ": no tail_sampling processor under processors: (expected: processors: {tail_sampling: {policies: [...]}})");
    }
    List<String> notConverted = new ArrayList<>();
    List<String> differences = new ArrayList<>();
    String name = processors.keySet().iterator().next();
    JsonNode ts = Objects.requireNonNull(processors.get(name));
    if (processors.size() > 1) {
      notConverted.add(
          "processors: "
              + processors.keySet()
              + " — only "
              + name
              + " was converted (run llmtail once per tail_sampling processor)");
    }
    ObjectNode out = YAML.createObjectNode();
    ObjectNode buffer = out.putObject("buffer");
    if (ts.has("decision_wait")) {
      buffer.put("max_trace_wait", ts.get("decision_wait").asText());
      differences.add(
          name
              + ".decision_wait: became buffer.max_trace_wait; llmtail also decides earlier, once the root"
              + " span ended and buffer.quiet_period (default 10s) passed with no new span");
    }
    if (ts.has("num_traces")) {
      buffer.put("max_traces", ts.get("num_traces").asInt());
    }
    if (ts.path("maximum_trace_size_bytes").asLong(0) > 0) {
      buffer.put("max_trace_bytes", ts.get("maximum_trace_size_bytes").asLong());
      notConverted.add(
          name
              + ".maximum_trace_size_bytes: became buffer.max_trace_bytes; llmtail decides a trace"
              + " past it at once on the spans it holds, and its later spans follow that decision");
    }
    JsonNode cache = ts.path("decision_cache");
    if (cache.isObject()) {
      long entries =
          cache.path("sampled_cache_size").asLong(0)
              + cache.path("non_sampled_cache_size").asLong(0);
      if (entries > 0) {
        out.putObject("decision_cache").put("max_entries", entries);
      }
    }
    for (String ignored :
        List.of(
            "expected_new_traces_per_sec",
            "sample_on_first_match",
            "decision_wait_after_root_received",
            "drop_pending_traces_on_shutdown")) {
      if (ts.has(ignored)) {
        notConverted.add(
            name
                + "."
                + ignored
                + ": no llmtail equivalent"
                + (ignored.equals("sample_on_first_match")
                    ? " — llmtail always evaluates every policy (the outcome is the same: any keep keeps unless a drop matches)"
                    : ""));
      }
    }
    ArrayNode policies = out.putArray("policies");
    JsonNode list = ts.path("policies");
    for (int i = 0; i < list.size(); i++) {
      ObjectNode p =
          policy(list.get(i), name + ".policies[" + i + "]", new Notes(notConverted, differences));
      if (p != null) {
        policies.add(p);
      }
    }
    ObjectNode exporter = out.putObject("exporter");
    exporter.putObject("otlp").put("endpoint", "${env:LLMTAIL_EXPORTER_ENDPOINT:-}");
    exporter.putObject("file").put("path", "${env:LLMTAIL_EXPORTER_FILE:-llmtail-kept.jsonl}");
    try {
      String header =
          "# Converted from the Collector's "
              + name
              + " processor by llmtail import-otel-config.\n"
              + "# Check it with: llmtail validate FILE\n";
      return new Result(
          header + YAML.writeValueAsString(out),
          List.copyOf(notConverted),
          List.copyOf(differences));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the converted config", e);
    }
  }

  /**
   * One Collector policy as an llmtail policy, or null (with the reason recorded) if it has no
   * equivalent.
   */
  private static @Nullable ObjectNode policy(JsonNode in, String path, Notes notes) {
    String type = in.path("type").asText("");
    String name = in.path("name").asText(type);
    Set<String> same = SAME_OPTIONS.get(type);
    if (same == null) {
      notes
          .notConverted()
          .add(
              path
                  + " ("
                  + name
                  + "): type '"
                  + type
                  + "' has no llmtail equivalent"
                  + (type.equals("ottl_condition")
                      ? " — rewrite it as a `condition` policy (a CEL expression over spans and llm_calls)"
                      : ""));
      return null;
    }
    ObjectNode out = YAML.createObjectNode();
    out.put("name", name);
    out.put("type", type);
    JsonNode options = in.path(type);
    switch (type) {
      case "latency" -> {
        if (options.has("threshold_ms")) {
          out.put("threshold", options.get("threshold_ms").asLong() + "ms");
        }
        if (options.has("upper_threshold_ms") && options.get("upper_threshold_ms").asLong() > 0) {
          out.put("upper_threshold", options.get("upper_threshold_ms").asLong() + "ms");
        }
      }
      case "and" ->
          out.set(
              "policies",
              subPolicies(options.path("and_sub_policy"), path + ".and.and_sub_policy", notes));
      case "drop" ->
          out.set(
              "policies",
              subPolicies(options.path("drop_sub_policy"), path + ".drop.drop_sub_policy", notes));
      case "composite" -> {
        out.set("max_total_spans_per_second", options.path("max_total_spans_per_second"));
        out.set("policies", compositeSubPolicies(options, path, notes));
        if (options.has("rate_allocation")) {
          out.set("rate_allocation", options.get("rate_allocation"));
        }
      }
      default -> {}
    }
    if (options.path("invert_match").asBoolean(false)) {
      notes.differences().add(invertMatch(path, name, type, options));
    }
    for (Map.Entry<String, JsonNode> o : options.properties()) {
      String key = o.getKey();
      if (same.contains(key)) {
        out.set(key, o.getValue());
      } else if (!isHandled(type, key)) {
        notes
            .notConverted()
            .add(
                path
                    + " ("
                    + name
                    + ")."
                    + type
                    + "."
                    + key
                    + ": not supported by llmtail"
                    + (key.equals("hash_salt")
                        ? " — llmtail samples by the trace id's own randomness, the same on every replica"
                        : "")
                    + (key.equals("cache_max_size")
                        ? " — not needed: regular expressions are compiled once"
                        : ""));
      }
    }
    return out;
  }

  /**
   * The Collector drops a trace an {@code invert_match} policy matches (it overrides every keep);
   * llmtail's invert_match only keeps what does not match and never drops, so say how to drop.
   */
  private static String invertMatch(String path, String name, String type, JsonNode options) {
    ObjectNode matcher = YAML.createObjectNode();
    matcher.put("type", type);
    options
        .properties()
        .forEach(
            o -> {
              if (!o.getKey().equals("invert_match")) {
                matcher.set(o.getKey(), o.getValue());
              }
            });
    ObjectNode drop = YAML.createObjectNode();
    drop.put("name", "drop-" + name);
    drop.put("type", "drop");
    drop.putArray("policies").add(matcher);
    return path
        + " ("
        + name
        + ")."
        + type
        + ".invert_match: converted, but llmtail never drops on invert_match (it keeps traces that"
        + " do not match); to drop the traces that match, as the Collector does, add "
        + flow(drop);
  }

  /** A node as one line of YAML flow style, e.g. {@code {type: drop, policies: [...]}}. */
  private static String flow(JsonNode node) {
    if (node.isObject()) {
      List<String> fields = new ArrayList<>();
      node.properties().forEach(e -> fields.add(e.getKey() + ": " + flow(e.getValue())));
      return "{" + String.join(", ", fields) + "}";
    }
    if (node.isArray()) {
      List<String> items = new ArrayList<>();
      node.forEach(n -> items.add(flow(n)));
      return "[" + String.join(", ", items) + "]";
    }
    return node.asText();
  }

  /** Where lines about one conversion go. */
  private record Notes(List<String> notConverted, List<String> differences) {}

  private static boolean isHandled(String type, String key) {
    return switch (type) {
      case "latency" -> key.equals("threshold_ms") || key.equals("upper_threshold_ms");
      case "and" -> key.equals("and_sub_policy");
      case "drop" -> key.equals("drop_sub_policy");
      case "composite" -> key.equals("composite_sub_policy") || key.equals("policy_order");
      default -> false;
    };
  }

  private static ArrayNode subPolicies(JsonNode list, String path, Notes notes) {
    ArrayNode out = YAML.createArrayNode();
    for (int i = 0; i < list.size(); i++) {
      ObjectNode p = policy(list.get(i), path + "[" + i + "]", notes);
      if (p != null) {
        out.add(p);
      }
    }
    return out;
  }

  /** Composite sub-policies in {@code policy_order}, which the Collector evaluates them in. */
  private static ArrayNode compositeSubPolicies(JsonNode options, String path, Notes notes) {
    ArrayNode converted =
        subPolicies(
            options.path("composite_sub_policy"), path + ".composite.composite_sub_policy", notes);
    JsonNode order = options.path("policy_order");
    if (!order.isArray() || order.isEmpty()) {
      return converted;
    }
    ArrayNode ordered = YAML.createArrayNode();
    Set<String> placed = new java.util.HashSet<>();
    for (JsonNode n : order) {
      for (JsonNode p : converted) {
        if (p.path("name").asText().equals(n.asText()) && placed.add(n.asText())) {
          ordered.add(p);
        }
      }
    }
    for (JsonNode p : converted) {
      if (placed.add(p.path("name").asText())) {
        ordered.add(p); // not in policy_order: the Collector would not evaluate it; keep it last
      }
    }
    return ordered;
  }
}
