package dev.llmtail.policies.genai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * The reader {@link MessageText} replaced, kept as the oracle its tests compare with: a Jackson
 * tree of the captured JSON, walked. Unchanged but for its name.
 */
final class TreeMessageText {

  private static final ObjectMapper JSON = new ObjectMapper();

  private TreeMessageText() {}

  static MessageText.Read read(String captured) {
    String trimmed = captured.trim();
    if (!(trimmed.startsWith("{") || trimmed.startsWith("["))) {
      return new MessageText.Read(MessageText.cap(trimmed), false, List.of(), false);
    }
    JsonNode root;
    try {
      root = JSON.readTree(trimmed);
    } catch (JsonProcessingException notJson) {
      return new MessageText.Read(MessageText.cap(trimmed), false, List.of(), false);
    }
    Collector c = new Collector();
    c.walk(root);
    return new MessageText.Read(
        MessageText.cap(String.join("\n", c.texts)), c.refusal, c.finishReasons, c.assistant);
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
