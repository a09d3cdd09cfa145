package dev.llmtail.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyProvider;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code policies} section: each entry's name and type, and its options bound to the options
 * record of its type, every entry checked even when an earlier one is wrong.
 */
final class PolicyReader {

  private final PolicyTypes types;
  private final RecordBinder binder;

  PolicyReader(PolicyTypes types, RecordBinder binder) {
    this.types = types;
    this.binder = binder;
  }

  /** The policies in order; their bound options go to {@code options} by policy name. */
  List<NamedPolicy> read(JsonNode node, Map<String, Record> options, Problems problems) {
    List<NamedPolicy> policies = new ArrayList<>();
    if (node == null || node.isNull() || (node.isArray() && node.isEmpty())) {
      problems.add(
          "/policies",
          "no policies (expected: a list with at least one policy, e.g. - {name: errors, type:"
              + " status_code, status_codes: [ERROR]}; known types: "
              + String.join(", ", types.names())
              + ")");
      return policies;
    }
    if (!node.isArray()) {
      problems.add(
          "/policies", "expected a list of policies, found " + RecordBinder.describe(node));
      return policies;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < node.size(); i++) {
      String pointer = "/policies/" + i;
      JsonNode entry = node.get(i);
      if (!(entry instanceof ObjectNode object)) {
        problems.add(
            pointer,
            "expected a policy (a mapping with name and type), found "
                + RecordBinder.describe(entry));
        continue;
      }
      String name = entry.path("name").asText("");
      String type = entry.path("type").asText("");
      boolean named = entry.path("name").isTextual() && !name.isBlank();
      if (!named) {
        problems.add(
            pointer, "name: missing (expected: a unique name for this policy, e.g. errors)");
      } else if (!names.add(name)) {
        problems.add(
            pointer + "/name",
            "'" + name + "' is used by an earlier policy (expected: unique names)");
      }
      PolicyProvider<?> provider = types.find(type);
      if (provider == null) {
        problems.add(
            entry.has("type") ? pointer + "/type" : pointer,
            types.unknown(type, entry.has("type") ? "" : "type"));
        continue;
      }
      ObjectNode entryOptions = object.deepCopy();
      entryOptions.remove("name");
      entryOptions.remove("type");
      NamedPolicy policy = create(provider, name, entryOptions, pointer, options, problems);
      if (policy != null && named) {
        policies.add(policy);
      }
    }
    return policies;
  }

  private <O extends Record> @Nullable NamedPolicy create(
      PolicyProvider<O> provider,
      String name,
      ObjectNode options,
      String pointer,
      Map<String, Record> boundOptions,
      Problems problems) {
    O bound = binder.bind(options, pointer, provider.optionsType(), problems);
    if (bound == null) {
      return null;
    }
    try {
      Policy policy = provider.create(bound);
      boundOptions.put(name, bound);
      return new NamedPolicy(name, provider.type(), policy);
    } catch (IllegalArgumentException e) {
      problems.addKeyed(pointer, String.valueOf(e.getMessage()));
      return null;
    }
  }
}
