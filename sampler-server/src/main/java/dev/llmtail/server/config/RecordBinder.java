package dev.llmtail.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.server.internal.DidYouMean;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Binds a mapping of the config to its record, reporting every problem in it at once.
 *
 * <p>Design. Jackson stops at the first value it cannot bind, and a record constructor at the first
 * value it refuses; reporting only that one would make a person fix a file in rounds. So unknown
 * keys are all reported and removed first, then binding is retried: each failure is reported and
 * the offending key removed (it then takes its default), until the rest binds or nothing more can
 * be removed. A problem on a key already removed is a consequence of the removal (a required option
 * now missing) and is not reported twice.
 */
final class RecordBinder {

  private static final PropertyNamingStrategies.NamingBase SNAKE_CASE =
      (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

  private static final Pattern SUGGESTED =
      Pattern.compile("^unknown key; did you mean ([a-z0-9_]+)\\?");

  private final ObjectMapper mapper;

  /**
   * @param subPolicies reads a sub-policy entry (options of and, not, drop, composite)
   */
  RecordBinder(Function<RecordBinder, SubPolicyReader> subPolicies) {
    SimpleModule values = new SimpleModule("llmtail-config-values");
    values.addDeserializer(Duration.class, new DurationDeserializer());
    values.addDeserializer(NamedPolicy.class, subPolicies.apply(this));
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

  ObjectMapper mapper() {
    return mapper;
  }

  /**
   * Binds {@code node} (at {@code pointer}) to {@code type}; returns null when a problem was
   * reported.
   */
  <T> @Nullable T bind(JsonNode node, String pointer, Class<T> type, Problems problems) {
    if (!node.isObject()) {
      problems.add(pointer, "expected a mapping of keys here, found " + describe(node));
      return null;
    }
    ObjectNode work = node.deepCopy();
    Set<String> suggested = new HashSet<>();
    boolean reported = removeUnknownKeys(work, type, pointer, problems, suggested);
    Set<String> removed = new HashSet<>();
    while (true) {
      try {
        T bound = mapper.treeToValue(work, type);
        return reported ? null : bound;
      } catch (JsonProcessingException e) {
        Located problem = locate(pointer, e);
        if (isConsequence(problem.at(), removed) || suggested.contains(problem.at())) {
          // A consequence of a removal (a required key now missing, a mapping now incomplete), or
          // the key a misspelt one was meant to be: reported already, as that key.
          return null;
        }
        problems.add(problem.at(), problem.message());
        reported = true;
        if (problem.at().equals(pointer)
            || !remove(work, problem.at().substring(pointer.length()))) {
          return null;
        }
        removed.add(problem.at());
        suggestion(problem.at(), problem.message()).ifPresent(suggested::add);
      }
    }
  }

  /** Binds a sub-policy's options, throwing the first problem with its key (it travels up). */
  <T> T bindSubPolicyOptions(ObjectNode options, Class<T> type) throws JsonProcessingException {
    Problems unknown = new Problems("", Map.of(), Map.of());
    if (removeUnknownKeys(options.deepCopy(), type, "", unknown, new HashSet<>())) {
      // Report the first misspelt key here; its path is completed as the error travels up.
      String problem = unknown.bare().get(0);
      throw JsonMappingException.from(
          (JsonParser) null, problem, new IllegalArgumentException(problem));
    }
    return mapper.treeToValue(options, type);
  }

  /** A problem and the pointer of the key it is about. */
  private record Located(String at, String message) {}

  private static Located locate(String pointer, JsonProcessingException e) {
    if (!(e instanceof JsonMappingException m)) {
      return new Located(pointer, e.getOriginalMessage());
    }
    StringBuilder path = new StringBuilder(pointer);
    for (JsonMappingException.Reference ref : m.getPath()) {
      path.append('/').append(ref.getFieldName() != null ? ref.getFieldName() : ref.getIndex());
    }
    String at = path.toString();
    if (e instanceof UnrecognizedPropertyException u) {
      Set<String> allowed = new TreeSet<>();
      u.getKnownPropertyIds().forEach(id -> allowed.add(String.valueOf(id)));
      return new Located(at, unknownKey(u.getPropertyName(), allowed));
    }
    IllegalArgumentException invalid = findInvalidArgument(e);
    if (invalid != null) {
      String message = String.valueOf(invalid.getMessage());
      String keyed = Problems.keyed(at, message);
      return new Located(
          keyed, keyed.equals(at) ? message : message.substring(message.indexOf(": ") + 2));
    }
    if (e instanceof InvalidFormatException f) {
      return new Located(at, "'" + f.getValue() + "' is not " + describeType(f.getTargetType()));
    }
    if (e instanceof MismatchedInputException mi) {
      return new Located(at, "expected " + describeType(mi.getTargetType()) + " here");
    }
    return new Located(at, m.getOriginalMessage());
  }

  /** Removes the value at {@code relative} (a pointer below the bound node); false if none. */
  private static boolean remove(ObjectNode root, String relative) {
    JsonPointer p = JsonPointer.compile(relative);
    // A bad list item: remove the whole list, so that the indices of later problems stay right.
    while (p.last() != null && p.last().mayMatchElement() && !p.last().mayMatchProperty()) {
      p = p.head();
    }
    if (p.last() == null) {
      return false;
    }
    JsonNode parent = root.at(p.head());
    String key = p.last().getMatchingProperty();
    if (parent instanceof ObjectNode object && object.has(key)) {
      object.remove(key);
      return true;
    }
    return false;
  }

  /**
   * Reports and removes every key of {@code node} that is not a component of the record {@code
   * type} (recursively into nested records), so that all misspellings show at once.
   */
  private static boolean removeUnknownKeys(
      JsonNode node, Class<?> type, String pointer, Problems problems, Set<String> suggested) {
    if (!type.isRecord() || !(node instanceof ObjectNode object) || type == NamedPolicy.class) {
      return false; // sub-policies are checked by their own binding
    }
    Map<String, RecordComponent> components = new TreeMap<>();
    for (RecordComponent c : type.getRecordComponents()) {
      components.put(SNAKE_CASE.translate(c.getName()), c);
    }
    boolean found = false;
    for (String key : List.copyOf(iterable(object))) {
      RecordComponent c = components.get(key);
      String at = pointer + "/" + key;
      if (c == null) {
        found = true;
        String message = unknownKey(key, components.keySet());
        problems.add(at, message);
        suggestion(at, message).ifPresent(suggested::add);
        object.remove(key);
      } else {
        found |= removeUnknownKeys(object.get(key), c.getType(), at, problems, suggested);
      }
    }
    return found;
  }

  private static List<String> iterable(ObjectNode object) {
    List<String> keys = new java.util.ArrayList<>();
    object.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  /** Whether a problem at {@code at} is about a removed key or a mapping that held one. */
  private static boolean isConsequence(String at, Set<String> removed) {
    for (String r : removed) {
      if (r.equals(at) || r.startsWith(at + "/")) {
        return true;
      }
    }
    return false;
  }

  /** The pointer of the key an unknown key's message suggests, a sibling of {@code at}. */
  private static Optional<String> suggestion(String at, String message) {
    Matcher m = SUGGESTED.matcher(message);
    return m.find()
        ? Optional.of(at.substring(0, at.lastIndexOf('/') + 1) + m.group(1))
        : Optional.empty();
  }

  static String unknownKey(String key, Set<String> allowed) {
    return "unknown key"
        + DidYouMean.suffix(key, allowed)
        + " (allowed here: "
        + String.join(", ", allowed)
        + ")";
  }

  private static @Nullable IllegalArgumentException findInvalidArgument(Throwable e) {
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

  static String describe(JsonNode node) {
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
