package dev.llmtail.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.buffer.BufferSettings;
import dev.llmtail.server.internal.DidYouMean;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Reads an llmtail YAML file into a validated {@link LlmtailConfig}, or fails with every problem it
 * can find, each located by file, line and key.
 *
 * <p>Steps: parse the YAML into a tree while indexing the line of every key ({@link YamlDocument});
 * substitute {@code ${env:…}} in string values, noting unset variables; bind each section to its
 * record ({@link RecordBinder}: unknown keys and wrong types are errors, record constructors apply
 * defaults and check values); bind each policy entry to the options record of its {@code type}
 * ({@link PolicyReader}); check what {@code run} needs from the machine ({@link MachineChecks}).
 * Sections are bound independently so that one bad section does not hide problems in another. A new
 * section is a key in {@link #SECTIONS} and one {@code binder.bind} line in {@link #parse}.
 */
public final class ConfigLoader {

  private static final Set<String> SECTIONS =
      new TreeSet<>(
          List.of(
              "receivers",
              "buffer",
              "decision_cache",
              "policies",
              "exporter",
              "admin",
              "storage",
              "conversations"));

  private final EnvSubstitution env;
  private final PolicyTypes types;
  private final RecordBinder binder;
  private final PolicyReader policies;
  private final long maxHeap;

  private ConfigLoader(Map<String, String> environment, PolicyTypes types, long maxHeap) {
    this.env = new EnvSubstitution(environment);
    this.maxHeap = maxHeap;
    this.types = types;
    this.binder = new RecordBinder(b -> new SubPolicyReader(types, b));
    this.policies = new PolicyReader(types, binder);
  }

  /**
   * A loader that reads the process environment and the policy types on the class path, and
   * resolves shares of the heap ({@code buffer.max_bytes: 40%}) against this JVM's max heap.
   */
  public static ConfigLoader withSystemEnvironment() {
    return new ConfigLoader(
        System.getenv(), PolicyTypes.discover(), Runtime.getRuntime().maxMemory());
  }

  /** A loader with an explicit environment (for tests). */
  public static ConfigLoader withEnvironment(Map<String, String> environment) {
    return withEnvironment(environment, Runtime.getRuntime().maxMemory());
  }

  /** A loader with an explicit environment and max heap in bytes (for tests). */
  public static ConfigLoader withEnvironment(Map<String, String> environment, long maxHeap) {
    return new ConfigLoader(Map.copyOf(environment), PolicyTypes.discover(), maxHeap);
  }

  /** The options record of each policy type this loader knows, by type name, sorted. */
  Map<String, Class<? extends Record>> policyOptionTypes() {
    Map<String, Class<? extends Record>> options = new TreeMap<>();
    types.providers().forEach((type, provider) -> options.put(type, provider.optionsType()));
    return options;
  }

  /** The policy types this loader knows, by canonical name. */
  public Set<String> policyTypes() {
    return types.names();
  }

  /** Reads and parses {@code file}; a file that cannot be read is one line naming it. */
  public LlmtailConfig load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw ConfigException.oneLine(
          file.toString(),
          file
              + ": no such config file (the shipped one is config/llmtail.yaml; `llmtail schema`"
              + " describes every key)");
    } catch (AccessDeniedException e) {
      throw ConfigException.oneLine(
          file.toString(), file + ": the config file cannot be read (permission denied)");
    } catch (IOException e) {
      throw ConfigException.oneLine(
          file.toString(), file + ": cannot read the config file: " + e.getMessage());
    }
    return parse(file, text);
  }

  /** Parses config text; {@code source} is only used in messages and recorded in the result. */
  public LlmtailConfig parse(Path source, String yaml) throws ConfigException {
    YamlDocument document = YamlDocument.parse(binder.mapper(), source.toString(), yaml);
    JsonNode root = document.root();
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = binder.mapper().createObjectNode();
    }
    if (!root.isObject()) {
      throw ConfigException.oneLine(
          source.toString(),
          source + ":1: the file must be a mapping of sections (expected keys: " + SECTIONS + ")");
    }
    Map<String, List<String>> unset = new LinkedHashMap<>();
    Problems references = new Problems(source.toString(), document.lines(), Map.of());
    substituteEnv(root, "", references, unset);
    references.throwIfAny(); // a value with a broken reference would only cause follow-on errors

    Problems problems = new Problems(source.toString(), document.lines(), unset);
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!SECTIONS.contains(key)) {
        problems.add(
            "/" + key,
            "unknown section '"
                + key
                + "'"
                + DidYouMean.suffix(key, SECTIONS)
                + " (allowed: "
                + String.join(", ", SECTIONS)
                + ")");
      }
    }
    ReceiversConfig receivers = section(root, "receivers", ReceiversConfig.class, problems);
    BufferConfig buffer = section(root, "buffer", BufferConfig.class, problems);
    BufferConfig.DecisionCacheConfig cache =
        section(root, "decision_cache", BufferConfig.DecisionCacheConfig.class, problems);
    ExporterConfig exporter = section(root, "exporter", ExporterConfig.class, problems);
    AdminConfig admin = section(root, "admin", AdminConfig.class, problems);
    StorageConfig storage = section(root, "storage", StorageConfig.class, problems);
    ConversationsConfig conversations =
        section(root, "conversations", ConversationsConfig.class, problems);
    Map<String, Record> policyOptions = new LinkedHashMap<>();
    List<NamedPolicy> policyList = policies.read(root.get("policies"), policyOptions, problems);
    BufferSettings settings = null;
    if (buffer != null && cache != null) {
      try {
        settings = buffer.toSettings(cache, maxHeap);
      } catch (IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        String section = message.startsWith("decision_cache.") ? "/decision_cache" : "/buffer";
        problems.addKeyed(section, message.replaceFirst("^decision_cache\\.", ""));
      }
    }
    problems.throwIfAny();
    // No problem, so every section was bound.
    LlmtailConfig config =
        new LlmtailConfig(
            source,
            Objects.requireNonNull(receivers),
            Objects.requireNonNull(settings),
            policyList,
            Objects.requireNonNull(exporter),
            Objects.requireNonNull(admin),
            policyOptions,
            Objects.requireNonNull(storage),
            Objects.requireNonNull(conversations));
    MachineChecks.check(config, problems);
    problems.throwIfAny();
    return config;
  }

  private <T> @Nullable T section(JsonNode root, String section, Class<T> type, Problems problems) {
    JsonNode node = root.get(section);
    if (node == null || node.isNull()) {
      node = binder.mapper().createObjectNode();
    }
    return binder.bind(node, "/" + section, type, problems);
  }

  private void substituteEnv(
      JsonNode node, String pointer, Problems problems, Map<String, List<String>> unset) {
    if (node instanceof ObjectNode object) {
      for (Map.Entry<String, JsonNode> field : object.properties()) {
        String child = pointer + "/" + field.getKey();
        if (field.getValue().isTextual()) {
          TextNode value = substituted(field.getValue().asText(), child, problems, unset);
          if (value != null) {
            field.setValue(value);
          }
        } else {
          substituteEnv(field.getValue(), child, problems, unset);
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        String child = pointer + "/" + i;
        if (array.get(i).isTextual()) {
          TextNode value = substituted(array.get(i).asText(), child, problems, unset);
          if (value != null) {
            array.set(i, value);
          }
        } else {
          substituteEnv(array.get(i), child, problems, unset);
        }
      }
    }
  }

  /** The substituted value, or null if it is unchanged or has a broken reference (reported). */
  private @Nullable TextNode substituted(
      String value, String pointer, Problems problems, Map<String, List<String>> unset) {
    try {
      EnvSubstitution.Substituted result = env.substitute(value);
      if (!result.unset().isEmpty()) {
        unset.put(pointer, result.unset());
      }
      return result.value().equals(value) ? null : new TextNode(result.value());
    } catch (IllegalArgumentException e) {
      problems.add(pointer, String.valueOf(e.getMessage()));
      return null;
    }
  }
}
