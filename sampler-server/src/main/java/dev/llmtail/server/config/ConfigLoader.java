package dev.llmtail.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Policy;
import dev.llmtail.core.PolicyLibrary;
import dev.llmtail.core.PolicyProvider;
import dev.llmtail.core.buffer.BufferSettings;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an llmtail YAML file into a validated {@link LlmtailConfig}, or fails with every problem it
 * can find, each located by file, line and key.
 *
 * <p>Steps: parse the YAML into a tree while indexing the line of every key; substitute {@code
 * ${env:…}} in string values; bind each section to its record (unknown keys and wrong types are
 * errors; record constructors apply defaults and check values); bind each policy entry to the
 * options record of its {@code type}. Sections are bound independently so that one bad section does
 * not hide problems in another.
 */
public final class ConfigLoader {

  private static final Set<String> SECTIONS =
      new TreeSet<>(
          List.of("receivers", "buffer", "decision_cache", "policies", "exporter", "admin"));
  private static final Pattern LEADING_KEY =
      Pattern.compile("^([a-z][a-z0-9_]*): (.*)$", Pattern.DOTALL);

  private static final PropertyNamingStrategies.NamingBase SNAKE_CASE =
      (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

  private final EnvSubstitution env;
  private final Map<String, PolicyProvider<?>> providers;
  private final ObjectMapper mapper;

  private ConfigLoader(Map<String, String> environment, Map<String, PolicyProvider<?>> providers) {
    this.env = new EnvSubstitution(environment);
    this.providers = providers;
    SimpleModule values = new SimpleModule("llmtail-config-values");
    values.addDeserializer(Duration.class, new DurationDeserializer());
    values.addDeserializer(NamedPolicy.class, new SubPolicyDeserializer());
    this.mapper =
        YAMLMapper.builder()
            // A key written twice would otherwise silently keep its last value.
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .addModule(values)
            .build();
  }

  /** A loader that reads the process environment and the policy types on the class path. */
  public static ConfigLoader withSystemEnvironment() {
    return new ConfigLoader(System.getenv(), discoverProviders());
  }

  /** A loader with an explicit environment (for tests). */
  public static ConfigLoader withEnvironment(Map<String, String> environment) {
    return new ConfigLoader(Map.copyOf(environment), discoverProviders());
  }

  private static Map<String, PolicyProvider<?>> discoverProviders() {
    return PolicyLibrary.discover();
  }

  /** The options record of each policy type this loader knows, by type name, sorted. */
  Map<String, Class<? extends Record>> policyOptionTypes() {
    Map<String, Class<? extends Record>> types = new TreeMap<>();
    providers.forEach((type, provider) -> types.put(type, provider.optionsType()));
    return types;
  }

  /** The policy types this loader knows, by name. */
  public Set<String> policyTypes() {
    return providers.keySet();
  }

  public LlmtailConfig load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(
          file.toString(), List.of(file + ": cannot read the config file: " + e));
    }
    return parse(file, text);
  }

  /** Parses config text; {@code source} is only used in messages and recorded in the result. */
  public LlmtailConfig parse(Path source, String yaml) throws ConfigException {
    Problems problems = new Problems(source.toString());
    JsonNode root;
    try {
      problems.lines = indexLines(yaml);
      root = mapper.readTree(yaml);
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw new ConfigException(
          source.toString(),
          List.of(source + ":" + line + ": not valid YAML: " + e.getOriginalMessage()));
    } catch (IOException e) {
      throw new ConfigException(source.toString(), List.of(source + ": cannot read YAML: " + e));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = mapper.createObjectNode();
    }
    if (!root.isObject()) {
      throw new ConfigException(
          source.toString(),
          List.of(
              source
                  + ":1: the file must be a mapping of sections (expected keys: "
                  + SECTIONS
                  + ")"));
    }
    substituteEnv(root, "", problems);
    problems.throwIfAny(); // a value with a broken reference would only cause follow-on errors

    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!SECTIONS.contains(key)) {
        problems.add(
            "/" + key,
            "unknown section '" + key + "' (allowed: " + String.join(", ", SECTIONS) + ")");
      }
    }
    ReceiversConfig receivers = bind(root, "receivers", ReceiversConfig.class, problems);
    BufferConfig buffer = bind(root, "buffer", BufferConfig.class, problems);
    BufferConfig.DecisionCacheConfig cache =
        bind(root, "decision_cache", BufferConfig.DecisionCacheConfig.class, problems);
    ExporterConfig exporter = bind(root, "exporter", ExporterConfig.class, problems);
    AdminConfig admin = bind(root, "admin", AdminConfig.class, problems);
    Map<String, Record> policyOptions = new LinkedHashMap<>();
    List<NamedPolicy> policies = bindPolicies(root.get("policies"), policyOptions, problems);
    BufferSettings settings = null;
    if (buffer != null && cache != null) {
      try {
        settings = buffer.toSettings(cache);
      } catch (IllegalArgumentException e) {
        String message = e.getMessage();
        String section = message.startsWith("decision_cache.") ? "/decision_cache" : "/buffer";
        problems.addKeyed(section, message.replaceFirst("^decision_cache\\.", ""));
      }
    }
    problems.throwIfAny();
    return new LlmtailConfig(source, receivers, settings, policies, exporter, admin, policyOptions);
  }

  private <T> T bind(JsonNode root, String section, Class<T> type, Problems problems) {
    JsonNode node = root.get(section);
    if (node == null || node.isNull()) {
      node = mapper.createObjectNode();
    }
    return bindNode(node, "/" + section, type, problems);
  }

  private <T> T bindNode(JsonNode node, String pointer, Class<T> type, Problems problems) {
    if (!node.isObject()) {
      problems.add(pointer, "expected a mapping of keys here, found " + describe(node));
      return null;
    }
    if (unknownKeys(node, type, pointer, problems) > 0) {
      return null;
    }
    try {
      return mapper.treeToValue(node, type);
    } catch (JsonMappingException e) {
      problems.addMapping(pointer, e);
      return null;
    } catch (JsonProcessingException e) {
      problems.add(pointer, e.getOriginalMessage());
      return null;
    }
  }

  /**
   * Reports every key of {@code node} that is not a component of the record {@code type}
   * (recursively into nested records), so that all misspellings show at once. Returns the count.
   */
  private static int unknownKeys(JsonNode node, Class<?> type, String pointer, Problems problems) {
    if (!type.isRecord() || !node.isObject() || type == NamedPolicy.class) {
      return 0; // sub-policies are checked by their own binding
    }
    Map<String, RecordComponent> components = new TreeMap<>();
    for (RecordComponent c : type.getRecordComponents()) {
      components.put(SNAKE_CASE.translate(c.getName()), c);
    }
    int unknown = 0;
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      RecordComponent c = components.get(field.getKey());
      String at = pointer + "/" + field.getKey();
      if (c == null) {
        unknown++;
        problems.add(
            at, "unknown key (allowed here: " + String.join(", ", components.keySet()) + ")");
      } else {
        unknown += unknownKeys(field.getValue(), c.getType(), at, problems);
      }
    }
    return unknown;
  }

  private List<NamedPolicy> bindPolicies(
      JsonNode node, Map<String, Record> options, Problems problems) {
    List<NamedPolicy> policies = new ArrayList<>();
    if (node == null || node.isNull() || (node.isArray() && node.isEmpty())) {
      problems.add(
          "/policies",
          "no policies (expected: a list with at least one policy, e.g. - {name: errors, type: status_code, status_codes: [ERROR]}; known types: "
              + String.join(", ", providers.keySet())
              + ")");
      return policies;
    }
    if (!node.isArray()) {
      problems.add("/policies", "expected a list of policies, found " + describe(node));
      return policies;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < node.size(); i++) {
      String pointer = "/policies/" + i;
      JsonNode entry = node.get(i);
      if (!entry.isObject()) {
        problems.add(
            pointer, "expected a policy (a mapping with name and type), found " + describe(entry));
        continue;
      }
      String name = entry.path("name").asText("");
      String type = entry.path("type").asText("");
      if (!entry.path("name").isTextual() || name.isBlank()) {
        problems.add(
            pointer, "name: missing (expected: a unique name for this policy, e.g. errors)");
        continue;
      }
      if (!names.add(name)) {
        problems.add(
            pointer + "/name",
            "'" + name + "' is used by an earlier policy (expected: unique names)");
      }
      PolicyProvider<?> provider = providers.get(type);
      if (provider == null) {
        problems.add(
            entry.has("type") ? pointer + "/type" : pointer,
            (type.isEmpty() ? "type: missing" : "'" + type + "' is not a policy type")
                + " (expected one of: "
                + String.join(", ", providers.keySet())
                + ")");
        continue;
      }
      ObjectNode entryOptions = ((ObjectNode) entry).deepCopy();
      entryOptions.remove("name");
      entryOptions.remove("type");
      NamedPolicy policy = create(provider, name, entryOptions, pointer, options, problems);
      if (policy != null) {
        policies.add(policy);
      }
    }
    return policies;
  }

  private <O extends Record> NamedPolicy create(
      PolicyProvider<O> provider,
      String name,
      ObjectNode options,
      String pointer,
      Map<String, Record> boundOptions,
      Problems problems) {
    O bound = bindNode(options, pointer, provider.optionsType(), problems);
    if (bound == null) {
      return null;
    }
    try {
      Policy policy = provider.create(bound);
      boundOptions.put(name, bound);
      return new NamedPolicy(name, provider.type(), policy);
    } catch (IllegalArgumentException e) {
      problems.addKeyed(pointer, e.getMessage());
      return null;
    }
  }

  private void substituteEnv(JsonNode node, String pointer, Problems problems) {
    if (node instanceof ObjectNode object) {
      for (Map.Entry<String, JsonNode> field : object.properties()) {
        String child = pointer + "/" + field.getKey();
        if (field.getValue().isTextual()) {
          substituted(field.getValue().asText(), child, problems).ifPresent(v -> field.setValue(v));
        } else {
          substituteEnv(field.getValue(), child, problems);
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        String child = pointer + "/" + i;
        if (array.get(i).isTextual()) {
          int index = i;
          substituted(array.get(i).asText(), child, problems).ifPresent(v -> array.set(index, v));
        } else {
          substituteEnv(array.get(i), child, problems);
        }
      }
    }
  }

  private Optional<TextNode> substituted(String value, String pointer, Problems problems) {
    try {
      String result = env.substitute(value);
      return result.equals(value) ? Optional.empty() : Optional.of(new TextNode(result));
    } catch (IllegalArgumentException e) {
      problems.add(pointer, e.getMessage());
      return Optional.empty();
    }
  }

  /** Maps the JSON pointer of every key and list item to the line it is on. */
  private static Map<String, Integer> indexLines(String yaml) throws IOException {
    Map<String, Integer> lines = new HashMap<>();
    try (JsonParser p = new YAMLFactory().createParser(yaml)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        boolean arrayItem =
            p.getParsingContext().inArray()
                || (t.isStructStart()
                    && p.getParsingContext().getParent() != null
                    && p.getParsingContext().getParent().inArray());
        if (t == JsonToken.FIELD_NAME || arrayItem) {
          lines.putIfAbsent(
              p.getParsingContext().pathAsPointer().toString(),
              p.currentTokenLocation().getLineNr());
        }
      }
    }
    return lines;
  }

  private static String describe(JsonNode node) {
    if (node.isTextual()) {
      return "'" + node.asText() + "'";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    return node.isNull() ? "nothing" : node.toString();
  }

  private static String describeType(Class<?> type) {
    if (type == null) {
      return "a value of another type";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "a whole number";
    }
    if (type == Double.class || type == double.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type) || Record.class.isAssignableFrom(type)) {
      return "a mapping of keys";
    }
    return "a " + type.getSimpleName();
  }

  /** Collects problems, locating each by the JSON pointer of its key. */
  private static final class Problems {
    private final String source;
    private final List<Map.Entry<Integer, String>> messages = new ArrayList<>();
    Map<String, Integer> lines = Map.of();

    Problems(String source) {
      this.source = source;
    }

    void add(String pointer, String message) {
      int line = lineOf(pointer);
      messages.add(Map.entry(line, source + ":" + line + ": " + dotted(pointer) + ": " + message));
    }

    /** A message that may start with the key it is about, {@code "key: problem"}. */
    void addKeyed(String pointer, String message) {
      Matcher m = LEADING_KEY.matcher(message == null ? "" : message);
      if (m.matches()) {
        add(pointer + "/" + m.group(1), m.group(2));
      } else {
        add(pointer, message);
      }
    }

    void addMapping(String pointer, JsonMappingException e) {
      StringBuilder path = new StringBuilder(pointer);
      for (JsonMappingException.Reference ref : e.getPath()) {
        path.append('/').append(ref.getFieldName() != null ? ref.getFieldName() : ref.getIndex());
      }
      String at = path.toString();
      if (e instanceof UnrecognizedPropertyException u) {
        Set<String> allowed = new TreeSet<>();
        u.getKnownPropertyIds().forEach(id -> allowed.add(String.valueOf(id)));
        add(at, "unknown key (allowed here: " + String.join(", ", allowed) + ")");
        return;
      }
      IllegalArgumentException invalid = findInvalidArgument(e);
      if (invalid != null) {
        addKeyed(at, invalid.getMessage());
      } else if (e instanceof InvalidFormatException f) {
        add(at, "'" + f.getValue() + "' is not " + describeType(f.getTargetType()));
      } else if (e instanceof MismatchedInputException m) {
        add(at, "expected " + describeType(m.getTargetType()) + " here");
      } else {
        add(at, e.getOriginalMessage());
      }
    }

    private static IllegalArgumentException findInvalidArgument(Throwable e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof IllegalArgumentException iae && iae.getMessage() != null) {
          return iae;
        }
        if (t instanceof InvalidFormatException f && f.getTargetType() == Duration.class) {
          return new IllegalArgumentException(f.getOriginalMessage());
        }
      }
      return null;
    }

    private int lineOf(String pointer) {
      for (String p = pointer; !p.isEmpty(); p = p.substring(0, p.lastIndexOf('/'))) {
        Integer line = lines.get(p);
        if (line != null) {
          return line;
        }
      }
      return 1;
    }

    private static String dotted(String pointer) {
      StringBuilder out = new StringBuilder();
      for (String part : pointer.substring(1).split("/")) {
        if (part.chars().allMatch(Character::isDigit) && !part.isEmpty()) {
          out.append('[').append(part).append(']');
        } else {
          out.append(out.length() == 0 ? "" : ".").append(part);
        }
      }
      return out.toString();
    }

    void throwIfAny() throws ConfigException {
      if (!messages.isEmpty()) {
        messages.sort(Map.Entry.comparingByKey()); // stable: same-line problems keep their order
        throw new ConfigException(source, messages.stream().map(Map.Entry::getValue).toList());
      }
    }
  }

  /**
   * Binds a sub-policy ({@code and}, {@code not}, {@code drop}, {@code composite} options) exactly
   * like a top-level policy entry; its {@code name} is optional and defaults to its type. Problems
   * surface with the sub-policy's path, e.g. {@code policies[2].policies[0].threshold}.
   */
  private final class SubPolicyDeserializer extends StdDeserializer<NamedPolicy> {
    private static final long serialVersionUID = 1L;

    SubPolicyDeserializer() {
      super(NamedPolicy.class);
    }

    @Override
    public NamedPolicy deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonNode node = p.readValueAsTree();
      if (!(node instanceof ObjectNode entry)) {
        throw MismatchedInputException.from(
            p,
            NamedPolicy.class,
            "expected a sub-policy (a mapping with a type, e.g. {type: latency, threshold: 5s}), found "
                + describe(node));
      }
      String type = entry.path("type").asText("");
      PolicyProvider<?> provider = providers.get(type);
      if (provider == null) {
        String problem =
            (type.isEmpty() ? "type: missing" : "type: '" + type + "' is not a policy type")
                + " (expected one of: "
                + String.join(", ", providers.keySet())
                + ")";
        throw JsonMappingException.from(p, problem, new IllegalArgumentException(problem));
      }
      ObjectNode options = entry.deepCopy();
      options.remove("name");
      options.remove("type");
      return bindSubPolicy(provider, entry.path("name").asText(type), options);
    }
  }

  private <O extends Record> NamedPolicy bindSubPolicy(
      PolicyProvider<O> provider, String name, ObjectNode options) throws JsonProcessingException {
    Problems unknown = new Problems("");
    if (unknownKeys(options, provider.optionsType(), "", unknown) > 0) {
      // Report the first misspelt key here; its path is completed as the error travels up.
      Map.Entry<Integer, String> first = unknown.messages.get(0);
      String problem = first.getValue().replaceFirst("^:\\d+: ", "");
      throw JsonMappingException.from(
          (JsonParser) null, problem, new IllegalArgumentException(problem));
    }
    O bound = mapper.treeToValue(options, provider.optionsType());
    return new NamedPolicy(name, provider.type(), provider.create(bound));
  }

  /** Reads {@code 10s}-style durations; a bare number is refused because its unit is unclear. */
  private static final class DurationDeserializer extends StdScalarDeserializer<Duration> {
    private static final long serialVersionUID = 1L;

    DurationDeserializer() {
      super(Duration.class);
    }

    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String text = p.getValueAsString();
      if (p.currentToken() != JsonToken.VALUE_STRING || text == null) {
        throw InvalidFormatException.from(
            p,
            "'"
                + p.getText()
                + "' is not a duration (expected: a number with a unit, e.g. 250ms, 10s, 5m)",
            p.getText(),
            Duration.class);
      }
      try {
        return DurationText.parse(text);
      } catch (IllegalArgumentException e) {
        throw InvalidFormatException.from(p, e.getMessage(), text, Duration.class);
      }
    }
  }
}
