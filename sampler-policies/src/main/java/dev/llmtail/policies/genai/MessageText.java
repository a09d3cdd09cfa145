package dev.llmtail.policies.genai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * Text and refusals out of captured messages, whichever shape they were captured in: OTel GenAI
 * {@code [{"role":…,"parts":[{"type":"text","content":…}],"finish_reason":…}]}, OpenAI-style {@code
 * {"choices":[{"message":{"content":…,"refusal":…}}]}} or {@code [{"role":…,"content":…}]}, or
 * plain text. Output is capped at {@link #MAX_CHARS} characters.
 */
final class MessageText {

  static final int MAX_CHARS = 8192;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What captured output said: its text, and whether it held a refusal or a finish reason. */
  record Read(String text, boolean refusal, List<String> finishReasons, boolean hasAssistantTurn) {}

  private MessageText() {}

  static Read read(String captured) {
    String trimmed = captured.trim();
    if (!(trimmed.startsWith("{") || trimmed.startsWith("["))) {
      return new Read(cap(trimmed), false, List.of(), false);
    }
    JsonNode root;
    try {
      root = JSON.readTree(trimmed);
    } catch (JsonProcessingException notJson) {
      return new Read(cap(trimmed), false, List.of(), false);
    }
    Collector c = new Collector();
    c.walk(root);
    return new Read(cap(String.join("\n", c.texts)), c.refusal, c.finishReasons, c.assistant);
  }

  static String cap(String s) {
    return s.length() <= MAX_CHARS ? s : s.substring(0, MAX_CHARS);
  }

  /** Walks the known message shapes; unknown fields are skipped. */
  private static final class Collector {
    final List<String> texts = new ArrayList<>();
    final List<String> finishReasons = new ArrayList<>();
    boolean refusal;
    boolean assistant;

    void walk(JsonNode node) {
      if (node.isArray()) {
        node.forEach(this::walk);
        return;
      }
      if (!node.isObject()) {
        return;
      }
      if ("assistant".equals(node.path("role").asText())) {
        assistant = true;
      }
      String type = node.path("type").asText();
      if (type.equals("refusal")) {
        refusal = true;
        addText(node.path("content"));
        addText(node.path("refusal"));
      } else if (type.equals("text") || type.isEmpty()) {
        addText(node.path("content"));
        addText(node.path("text"));
      }
      JsonNode refusalField = node.path("refusal");
      if (refusalField.isTextual() && !refusalField.asText().isBlank() && !type.equals("refusal")) {
        refusal = true;
        texts.add(refusalField.asText());
      }
      for (String reasonKey : List.of("finish_reason", "stop_reason", "finishReason")) {
        if (node.path(reasonKey).isTextual()) {
          finishReasons.add(node.path(reasonKey).asText());
        }
      }
      for (String child :
          List.of("parts", "choices", "message", "messages", "output", "candidates", "body")) {
        if (node.has(child)) {
          walk(node.get(child));
        }
      }
      if (node.path("content").isArray()) {
        walk(node.get("content")); // Anthropic-style content blocks
      }
    }

    private void addText(JsonNode n) {
      if (n.isTextual() && !n.asText().isBlank()) {
        texts.add(n.asText());
      }
    }
  }
}
