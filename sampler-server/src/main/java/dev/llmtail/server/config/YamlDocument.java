package dev.llmtail.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A config file's text as a tree, with the line of every key and list item; or, for text that is
 * not YAML, one problem in plain words at the line it is on, with that line shown.
 *
 * <p>The parser's own messages ("while scanning a simple key … could not find expected ':'") name
 * its grammar, not the mistake; the common mistakes are translated, anything else is passed on
 * without the parser's position markers.
 */
record YamlDocument(JsonNode root, Map<String, Integer> lines) {

  /** Parser problems, as the parser words them, and what they mean to someone writing a config. */
  private static final List<Map.Entry<String, String>> PLAIN_WORDS =
      List.of(
          Map.entry(
              "could not find expected ':'",
              "a line that is neither `key: value` nor a list item `- …` (a ':' missing after a"
                  + " key, or a line indented differently from the keys around it)"),
          Map.entry(
              "mapping values are not allowed here",
              "a ':' where none was expected (a line above without the ':' after its key, a"
                  + " line indented too far, or a value containing ': ' that needs quotes)"),
          Map.entry(
              "cannot start any token",
              "a tab or a character YAML does not allow here (indent with spaces, not tabs; put"
                  + " a value starting with @ or ` in quotes)"),
          Map.entry(
              "did not find expected key",
              "a line indented differently from the keys around it (keys of one mapping start in"
                  + " the same column)"),
          Map.entry(
              "did not find expected '-' indicator",
              "a list item indented differently from the items above it (the '-' of every item"
                  + " starts in the same column)"),
          Map.entry(
              "expected <block end>",
              "a line indented differently from the lines around it (keys of one mapping, and"
                  + " items of one list, start in the same column)"),
          Map.entry(
              "found unexpected end of stream",
              "a quote or bracket that is opened and never closed"),
          Map.entry(
              "found unexpected document separator",
              "a quote that is opened and never closed before ---"),
          Map.entry(
              "did not find expected ',' or ']'",
              "a list in [ ] that is not closed, or an item in it that is not separated by ','"),
          Map.entry(
              "did not find expected ',' or '}'",
              "a mapping in { } that is not closed, or an entry in it that is not separated by"
                  + " ','"),
          Map.entry(
              "found undefined alias", "a '*' that refers to no '&' anchor (quote the value)"));

  static YamlDocument parse(ObjectMapper mapper, String source, String yaml)
      throws ConfigException {
    try {
      return new YamlDocument(mapper.readTree(yaml), indexLines(yaml));
    } catch (JsonProcessingException e) {
      throw notYaml(source, yaml, e);
    } catch (IOException e) {
      throw ConfigException.oneLine(source, source + ": cannot read YAML: " + e.getMessage());
    }
  }

  private static ConfigException notYaml(String source, String yaml, JsonProcessingException e) {
    return ConfigException.oneLine(source, problem(source, yaml, e));
  }

  /**
   * {@code SOURCE:LINE: not valid YAML: …} in plain words, then that line of {@code yaml}; for any
   * YAML file llmtail reads (its config, a Collector's config).
   */
  static String problem(String source, String yaml, JsonProcessingException e) {
    int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
    String problem = String.valueOf(e.getOriginalMessage());
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof MarkedYAMLException marked) {
        problem = String.valueOf(marked.getProblem());
        if (marked.getProblemMark() != null) {
          line = marked.getProblemMark().getLine() + 1;
        }
      }
    }
    String words = plainWords(problem);
    List<String> text = yaml.lines().toList();
    String shown =
        line >= 1 && line <= text.size() && !text.get(line - 1).isBlank()
            ? "\n    " + line + " | " + text.get(line - 1).stripTrailing()
            : "";
    return source + ":" + Math.max(line, 1) + ": not valid YAML: " + words + shown;
  }

  static String plainWords(String problem) {
    String lower = problem.toLowerCase(Locale.ROOT);
    if (lower.startsWith("duplicate field '")) {
      String key = problem.substring("duplicate field '".length(), problem.indexOf('\'', 17));
      return "'" + key + "' is written twice in the same mapping (keep one)";
    }
    for (Map.Entry<String, String> e : PLAIN_WORDS) {
      if (lower.contains(e.getKey().toLowerCase(Locale.ROOT))) {
        return e.getValue();
      }
    }
    // Unknown to the table: the parser's sentence without its position markers.
    return problem.replaceAll("\\s*in 'reader', line \\d+, column \\d+:?", "").strip();
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
}
