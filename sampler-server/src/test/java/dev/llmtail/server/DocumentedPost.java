package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A documented {@code curl -s localhost:5318/v1/… -H 'Content-Type: …' --data-binary @FILE}: the
 * file (relative to the repository root) sent with that header to a running sidecar's OTLP/HTTP
 * port, answered 200 with everything accepted ({@code {}}).
 */
final class DocumentedPost {

  private static final String OTLP_HTTP = "localhost:5318";

  private final String path;
  private final String contentType;
  private final Path body;

  private DocumentedPost(String path, String contentType, Path body) {
    this.path = path;
    this.contentType = contentType;
    this.body = body;
  }

  /** Whether {@code command} sends to the OTLP/HTTP port. */
  static boolean isOne(String command) {
    return command.startsWith("curl ") && command.contains(" " + OTLP_HTTP + "/");
  }

  /** Reads a documented command line; throws naming what it does not understand. */
  static DocumentedPost parse(String command) {
    List<String> words = ShellWords.words(command);
    String path = null;
    String contentType = null;
    Path body = null;
    for (int i = 1; i < words.size(); i++) {
      String w = words.get(i);
      if (w.startsWith(OTLP_HTTP + "/")) {
        path = w.substring(OTLP_HTTP.length());
      } else if (w.equals("-H") && words.get(i + 1).startsWith("Content-Type: ")) {
        contentType = words.get(++i).substring("Content-Type: ".length());
      } else if (w.equals("--data-binary") && words.get(i + 1).startsWith("@")) {
        body = DocWorkspace.REPOSITORY.resolve(words.get(++i).substring(1));
      } else if (!w.equals("-s")) {
        throw new IllegalArgumentException("not understood here: " + w + " in: " + command);
      }
    }
    if (path == null || contentType == null || body == null) {
      throw new IllegalArgumentException(
          "expected curl -s "
              + OTLP_HTTP
              + "/PATH -H 'Content-Type: …' --data-binary @FILE, got: "
              + command);
    }
    return new DocumentedPost(path, contentType, body);
  }

  /** Sends the file to {@code httpPort}; it must be answered 200 {@code {}}. */
  void check(int httpPort) throws IOException, InterruptedException {
    HttpResponse<String> answer =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", contentType)
                    .POST(HttpRequest.BodyPublishers.ofFile(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as("POST %s %s: %s", path, body, answer.body()).isEqualTo(200);
    assertThat(answer.body()).as("POST %s %s", path, body).isEqualTo("{}");
    assertThat(Files.size(body)).isPositive();
  }
}
