package dev.llmtail.server.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.llmtail.core.DurationFormat;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.buffer.CompletionRule;
import dev.llmtail.server.config.ActiveConfig;
import dev.llmtail.server.config.ByteSize;
import dev.llmtail.server.config.ConfigReloader;
import dev.llmtail.server.config.LlmtailConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The effective configuration as {@code /debug/config} shows it: every section with its defaults
 * filled in, the policies in evaluation order with their options, and secrets masked — header
 * values, any key that names a token, secret, password or key, and credentials in URLs.
 */
final class ConfigView {

  static final String MASK = "***";

  private static final Pattern SECRET_KEY =
      Pattern.compile(
          "(?i).*(token|secret|password|passwd|api[_-]?key|authorization|credential).*");
  private static final Pattern URL_CREDENTIALS = Pattern.compile("(?<=://)[^/@\\s]+@");

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .addModule(
              new SimpleModule("llmtail-config-view")
                  .addSerializer(Duration.class, new DurationText()))
          .build();

  private ConfigView() {}

  /**
   * The active config of a reloading sidecar, headed by its {@code version} (number, file hash,
   * when applied); if a later change of the file was rejected, {@code last_rejected_change} with
   * its problems; and if the file changed keys that need a restart, {@code pending_restart} with
   * the file's value of each such key (the running value is under the same key below).
   */
  static ObjectNode of(ConfigReloader reloader) {
    ActiveConfig active = reloader.active();
    ObjectNode out = MAPPER.createObjectNode();
    ObjectNode version = out.putObject("version");
    version.put("number", active.version());
    version.put("sha256", active.sha256());
    version.put("applied_at", active.appliedAt().toString());
    version.put("file", String.valueOf(reloader.file()));
    reloader
        .lastRejection()
        .filter(r -> r.at().isAfter(active.appliedAt()) || r.at().equals(active.appliedAt()))
        .ifPresent(
            r -> {
              ObjectNode rejected = out.putObject("last_rejected_change");
              rejected.put("at", r.at().toString());
              rejected.put("sha256", r.sha256());
              rejected.put("problems", r.problems());
            });
    reloader
        .pendingRestart()
        .ifPresent(
            pending -> {
              // The file's values for the keys that wait, masked like the running values below.
              ObjectNode file = of(pending.file());
              ObjectNode shown = out.putObject("pending_restart");
              shown.put("since", pending.since().toString());
              ObjectNode values = shown.putObject("file_values");
              for (String key : pending.keys()) {
                values.set(key, file.at("/" + key.replace('.', '/')));
              }
            });
    out.setAll(of(active.config()));
    return out;
  }

  static ObjectNode of(LlmtailConfig config) {
    ObjectNode out = MAPPER.createObjectNode();
    out.put("source", String.valueOf(config.source()));
    out.set("receivers", MAPPER.valueToTree(config.receivers()));
    // Shown under the keys the file uses, not the names of the buffer's settings record.
    ObjectNode buffer = out.putObject("buffer");
    buffer.put("quiet_period", DurationFormat.format(config.buffer().quietPeriod()));
    buffer.put("max_trace_wait", DurationFormat.format(config.buffer().maxTraceWait()));
    buffer.put("max_traces", config.buffer().maxTraces());
    buffer.put("max_bytes", new ByteSize(config.buffer().maxBytes()).toString());
    buffer.put("max_trace_spans", config.buffer().maxTraceSpans());
    buffer.put("max_trace_bytes", new ByteSize(config.buffer().maxTraceBytes()).toString());
    ArrayNode rules = buffer.putArray("completion_rules");
    for (CompletionRule r : config.buffer().completionRules()) {
      rules
          .addObject()
          .put("when", r.when())
          .put("quiet_period", DurationFormat.format(r.quietPeriod()))
          .put("max_trace_wait", DurationFormat.format(r.maxTraceWait()));
    }
    ObjectNode cache = out.putObject("decision_cache");
    cache.put("max_entries", config.buffer().decisionCacheSize());
    cache.put("ttl", DurationFormat.format(config.buffer().decisionCacheTtl()));
    out.set("exporter", MAPPER.valueToTree(config.exporter()));
    out.set("admin", MAPPER.valueToTree(config.admin()));
    out.set("conversations", MAPPER.valueToTree(config.conversations()));
    ArrayNode policies = out.putArray("policies");
    for (NamedPolicy p : config.policies()) {
      ObjectNode entry = policies.addObject();
      entry.put("name", p.name());
      entry.put("type", p.type());
      Record options = config.policyOptions().get(p.name());
      if (options != null) {
        MAPPER
            .<ObjectNode>valueToTree(options)
            .properties()
            .forEach(f -> entry.set(f.getKey(), f.getValue()));
      }
    }
    mask(out, false);
    return out;
  }

  private static void mask(JsonNode node, boolean allValuesSecret) {
    if (node instanceof ObjectNode object) {
      for (Map.Entry<String, JsonNode> f : object.properties()) {
        boolean secret = allValuesSecret || SECRET_KEY.matcher(f.getKey()).matches();
        if (f.getValue().isTextual()) {
          String v = f.getValue().asText();
          if (secret && !v.isEmpty()) {
            f.setValue(new TextNode(MASK));
          } else if (URL_CREDENTIALS.matcher(v).find()) {
            f.setValue(new TextNode(URL_CREDENTIALS.matcher(v).replaceAll(MASK + "@")));
          }
        } else {
          mask(f.getValue(), secret || f.getKey().equals("headers"));
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        if (allValuesSecret && array.get(i).isTextual()) {
          array.set(i, new TextNode(MASK));
        } else {
          mask(array.get(i), allValuesSecret);
        }
      }
    }
  }

  /** Durations as config files write them: 10s, 5m00s. */
  private static final class DurationText extends StdSerializer<Duration> {
    private static final long serialVersionUID = 1L;

    DurationText() {
      super(Duration.class);
    }

    @Override
    public void serialize(Duration value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeString(DurationFormat.format(value));
    }
  }
}
