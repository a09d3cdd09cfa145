package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A documented {@code curl -s [-X METHOD] [-H 'NAME: VALUE']… localhost:5319/PATH [| jq [-r]
 * FILTER] [| grep [-E] REGEX]}: the request it sends and what the rest of the pipeline selects,
 * checked against a running sidecar. jq is understood as far as the docs use it: {@code .} and
 * paths like {@code .a.b[].c}, joined by commas.
 */
final class DocumentedCurl {

  private static final String ADMIN = "localhost:5319";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern JQ_PATH =
      Pattern.compile("(\\.[A-Za-z_][A-Za-z0-9_]*(\\[\\])?)+|\\.");
  private static final Pattern JQ_STEP = Pattern.compile("\\.([A-Za-z_][A-Za-z0-9_]*)(\\[\\])?");

  private final String method;
  private final Map<String, String> headers;
  private final String path;
  private final List<String> jqPaths;
  private final Pattern grep;

  private DocumentedCurl(
      String method, Map<String, String> headers, String path, List<String> jqPaths, Pattern grep) {
    this.method = method;
    this.headers = headers;
    this.path = path;
    this.jqPaths = jqPaths;
    this.grep = grep;
  }

  /** Reads a documented command line; throws naming what it does not understand. */
  static DocumentedCurl parse(String command) {
    List<List<String>> stages = new ArrayList<>();
    for (String stage : ShellWords.splitOutsideQuotes(command, '|')) {
      stages.add(ShellWords.words(stage));
    }
    List<String> curl = stages.get(0);
    String url = curl.get(curl.size() - 1).replaceFirst("^http://", "");
    if (!curl.get(0).equals("curl") || !curl.contains("-s") || !url.startsWith(ADMIN + "/")) {
      throw new IllegalArgumentException("expected curl -s " + ADMIN + "/PATH, got: " + command);
    }
    String method = "GET";
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < curl.size() - 1; i++) {
      switch (curl.get(i)) {
        case "-s" -> {}
        case "-X" -> method = curl.get(++i);
        case "-H" -> {
          String[] header = curl.get(++i).split(":\\s*", 2);
          headers.put(header[0], header[1]);
        }
        default ->
            throw new IllegalArgumentException(
                "not understood here: " + curl.get(i) + " in: " + command);
      }
    }
    List<String> jq = null;
    Pattern grep = null;
    for (List<String> stage : stages.subList(1, stages.size())) {
      List<String> args =
          stage.subList(1, stage.size()).stream().filter(a -> !a.startsWith("-")).toList();
      switch (stage.get(0)) {
        case "jq" -> jq = jqPaths(args.isEmpty() ? "." : args.get(0));
        // grep without -E reads a basic regular expression: the same as Java's for what the docs
        // grep.
        case "grep" -> grep = Pattern.compile(args.get(0));
        default ->
            throw new IllegalArgumentException(
                "unknown pipeline stage " + stage.get(0) + " in: " + command);
      }
    }
    return new DocumentedCurl(
        method, headers, url.substring(ADMIN.length()), jq == null ? List.of() : jq, grep);
  }

  private static List<String> jqPaths(String filter) {
    List<String> paths = new ArrayList<>();
    for (String path : filter.split(",", -1)) {
      String p = path.strip();
      if (!JQ_PATH.matcher(p).matches()) {
        throw new IllegalArgumentException(
            "jq filter " + filter + ": only paths like .a.b[].c are understood here");
      }
      paths.add(p);
    }
    return paths;
  }

  /** The path and query asked for, e.g. {@code /debug/config}. */
  String path() {
    return path;
  }

  /** {@code GET}, or what {@code -X} says. */
  String method() {
    return method;
  }

  /**
   * Sends the request: it answers 200, and what jq selects or grep finds is there and not empty.
   */
  JsonNode check(AdminClient llmtail) {
    HttpResponse<String> answer = llmtail.request(method, path, headers);
    String asked = method + " " + path;
    assertThat(answer.statusCode()).as(asked + ": " + answer.body()).isEqualTo(200);
    assertThat(answer.body()).as(asked).isNotBlank();
    if (grep != null) {
      assertThat(answer.body().lines().filter(l -> grep.matcher(l).find()))
          .as("lines of " + asked + " that grep " + grep + " finds")
          .isNotEmpty();
    }
    if (jqPaths.isEmpty()) {
      return null;
    }
    JsonNode json;
    try {
      json = JSON.readTree(answer.body());
    } catch (IOException e) {
      throw new UncheckedIOException(asked + " is not JSON", e);
    }
    for (String jqPath : jqPaths) {
      List<JsonNode> selected = select(json, jqPath);
      assertThat(selected).as("jq " + jqPath + " of " + asked).isNotEmpty();
      for (JsonNode value : selected) {
        assertThat(
                value.isNull()
                    || value.isMissingNode()
                    || (value.isContainerNode() && value.isEmpty())
                    || (value.isTextual() && value.asText().isBlank()))
            .as(
                "jq "
                    + jqPath
                    + " of "
                    + asked
                    + " selects nothing, null or an empty value: "
                    + value.getNodeType())
            .isFalse();
      }
    }
    return json;
  }

  private static List<JsonNode> select(JsonNode root, String jqPath) {
    List<JsonNode> current = List.of(root);
    Matcher step = JQ_STEP.matcher(jqPath);
    while (step.find()) {
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode node : current) {
        JsonNode field = node.path(step.group(1));
        if (step.group(2) == null) {
          next.add(field);
        } else {
          field.forEach(next::add);
        }
      }
      current = next;
    }
    return current;
  }
}
