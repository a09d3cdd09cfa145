package dev.llmtail.server;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real headless Chromium (Debian's {@code chromium} package) driven over the DevTools protocol
 * with the JDK's WebSocket client: open a page, type into it, press keys, read what it rendered.
 * One page per instance; the browser and its temporary profile are removed on {@link #close}.
 */
final class HeadlessChromium implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private String sessionId;

  /** The chromium binary, if installed. */
  static Optional<Path> binary() {
    return Stream.of("/usr/bin/chromium", "/usr/bin/chromium-browser")
        .map(Path::of)
        .filter(Files::isExecutable)
        .findFirst();
  }

  private HeadlessChromium(Process process, Path profile, URI browserSocket) {
    this.process = process;
    this.profile = profile;
    this.socket =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .buildAsync(browserSocket, new Listener())
            .join();
  }

  static HeadlessChromium launch(Path binary) throws IOException {
    Path profile = Files.createTempDirectory("llmtail-chromium-");
    Path log = Files.createTempFile("llmtail-chromium-", ".log");
    Process process =
        new ProcessBuilder(
                binary.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile,
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Path activePort = profile.resolve("DevToolsActivePort");
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  !process.isAlive()
                      || (Files.exists(activePort) && Files.readAllLines(activePort).size() >= 2));
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "chromium exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      List<String> lines = Files.readAllLines(activePort);
      return new HeadlessChromium(
          process,
          profile,
          URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim()));
    } catch (RuntimeException e) {
      kill(process);
      delete(profile);
      throw e;
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** Opens {@code url} in a new tab and waits until it has loaded. */
  void open(String url) {
    String targetId =
        send(null, "Target.createTarget", Map.of("url", "about:blank")).path("targetId").asText();
    sessionId =
        send(null, "Target.attachToTarget", Map.of("targetId", targetId, "flatten", true))
            .path("sessionId")
            .asText();
    send(sessionId, "Page.navigate", Map.of("url", url));
    await().atMost(COMMAND_TIMEOUT).until(() -> "complete".equals(evaluate("document.readyState")));
  }

  /** Evaluates a JavaScript expression in the page and returns its value as text. */
  String evaluate(String expression) {
    JsonNode result =
        send(
            sessionId, "Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
    return result.path("result").path("value").asText();
  }

  /** Types text into the focused element, as a keyboard would insert it. */
  void type(String text) {
    send(sessionId, "Input.insertText", Map.of("text", text));
  }

  void pressEnter() {
    for (String type : List.of("keyDown", "keyUp")) {
      send(
          sessionId,
          "Input.dispatchKeyEvent",
          Map.of(
              "type",
              type,
              "key",
              "Enter",
              "code",
              "Enter",
              "windowsVirtualKeyCode",
              13,
              "text",
              "\r"));
    }
  }

  /** Renders the page at this size, like a browser window of it (CSS pixels). */
  void resize(int width, int height) {
    send(
        sessionId,
        "Emulation.setDeviceMetricsOverride",
        Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
  }

  /** A PNG of the whole page as rendered, beyond the window's height. */
  byte[] screenshotOfWholePage() {
    JsonNode size = send(sessionId, "Page.getLayoutMetrics", Map.of()).path("cssContentSize");
    Map<String, Object> clip =
        Map.of(
            "x", 0,
            "y", 0,
            "width", size.path("width").asDouble(),
            "height", size.path("height").asDouble(),
            "scale", 1);
    return Base64.getDecoder()
        .decode(
            send(
                    sessionId,
                    "Page.captureScreenshot",
                    Map.of("format", "png", "clip", clip, "captureBeyondViewport", true))
                .path("data")
                .asText());
  }

  /** A PNG of the page as rendered. */
  byte[] screenshot() {
    return Base64.getDecoder()
        .decode(
            send(sessionId, "Page.captureScreenshot", Map.of("format", "png"))
                .path("data")
                .asText());
  }

  private JsonNode send(String session, String method, Map<String, Object> params) {
    int id = ids.incrementAndGet();
    ObjectNode message = JSON.createObjectNode();
    message.put("id", id);
    message.put("method", method);
    message.set("params", JSON.valueToTree(params));
    if (session != null) {
      message.put("sessionId", session);
    }
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    socket.sendText(message.toString(), true).join();
    JsonNode response = answer.orTimeout(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    if (response.has("error")) {
      throw new IllegalStateException(method + " failed: " + response.get("error"));
    }
    return response.path("result");
  }

  @Override
  public void close() {
    socket.abort();
    kill(process);
    delete(profile);
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the temporary chromium profile " + dir, e);
    }
  }

  /** Collects (possibly fragmented) protocol messages and completes the matching command. */
  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          JsonNode message = JSON.readTree(partial.toString());
          if (message.has("id")) {
            CompletableFuture<JsonNode> answer = pending.remove(message.get("id").asInt());
            if (answer != null) {
              answer.complete(message);
            }
          }
        } catch (IOException e) {
          pending.values().forEach(f -> f.completeExceptionally(e));
        } finally {
          partial.setLength(0);
        }
      }
      webSocket.request(1);
      return null;
    }
  }
}
