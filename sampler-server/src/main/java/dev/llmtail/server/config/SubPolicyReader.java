package dev.llmtail.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.PolicyProvider;
import java.io.IOException;

/**
 * Binds a sub-policy ({@code and}, {@code not}, {@code drop}, {@code composite} options) exactly
 * like a top-level policy entry; its {@code name} is optional and defaults to its type. Problems
 * surface with the sub-policy's path, e.g. {@code policies[2].policies[0].threshold}.
 */
final class SubPolicyReader extends StdDeserializer<NamedPolicy> {

  private static final long serialVersionUID = 1L;

  private final transient PolicyTypes types;
  private final transient RecordBinder binder;

  SubPolicyReader(PolicyTypes types, RecordBinder binder) {
    super(NamedPolicy.class);
    this.types = types;
    this.binder = binder;
  }

  @Override
  public NamedPolicy deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    JsonNode node = p.readValueAsTree();
    if (!(node instanceof ObjectNode entry)) {
      throw MismatchedInputException.from(
          p,
          NamedPolicy.class,
          "expected a sub-policy (a mapping with a type, e.g. {type: latency, threshold: 5s}), found "
              + RecordBinder.describe(node));
    }
    String type = entry.path("type").asText("");
    PolicyProvider<?> provider = types.find(type);
    if (provider == null) {
      String problem = types.unknown(type, "type");
      throw JsonMappingException.from(p, problem, new IllegalArgumentException(problem));
    }
    ObjectNode options = entry.deepCopy();
    options.remove("name");
    options.remove("type");
    return bind(provider, entry.path("name").asText(provider.type()), options);
  }

  private <O extends Record> NamedPolicy bind(
      PolicyProvider<O> provider, String name, ObjectNode options) throws IOException {
    O bound = binder.bindSubPolicyOptions(options, provider.optionsType());
    return new NamedPolicy(name, provider.type(), provider.create(bound));
  }
}
