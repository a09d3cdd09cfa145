package dev.llmtail.policies.genai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.llmtail.core.SpanView;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Where each dialect captures a call's prompt and output on its span: one attribute ({@code
 * gen_ai.input.messages}, {@code input.value}, {@code ai.prompt.messages}…), flattened messages
 * ({@code gen_ai.prompt.N.*}, {@code llm.input_messages.N.message.*}), or older OpenTelemetry
 * {@code gen_ai.content.*} span events. Empty when the span captured nothing.
 */
final class CapturedText {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What OpenInference writes in place of content it was told to hide. */
  private static final String REDACTED = "__REDACTED__";

  private CapturedText() {}

  /** Redacted content is no content: privacy mode must not make every prompt look the same. */
  private static String unredacted(String text) {
    return text.equals(REDACTED) ? "" : text;
  }

  static String input(SpanView s, SpanAttributes a) {
    String direct =
        unredacted(
            a.text(
                "gen_ai.input.messages",
                "input.value",
                "ai.prompt.messages",
                "ai.prompt",
                "gen_ai.prompt"));
    if (!direct.isEmpty()) {
      return direct;
    }
    String flat = flattenedMessages(a, "gen_ai.prompt.", "role", "content");
    if (flat.isEmpty()) {
      flat = flattenedMessages(a, "llm.input_messages.", "message.role", "message.content");
    }
    return flat.isEmpty() ? eventAttribute(s, "gen_ai.content.prompt", "gen_ai.prompt") : flat;
  }

  /**
   * System instructions captured apart from the messages ({@code gen_ai.system_instructions}, as
   * the AI SDK v7 writes them); other dialects keep the system message among the input messages.
   */
  static String systemInstructions(SpanAttributes a) {
    return unredacted(a.text("gen_ai.system_instructions"));
  }

  /**
   * SHA-256 (hex) of the whole request — system instructions and input, uncapped — or {@code ""}
   * when neither was captured: prompts that share their first kilobytes (a long shared context) and
   * differ at the end, or differ only in their system instructions, are different requests.
   */
  static String digest(String systemInstructions, String input) {
    if (systemInstructions.isEmpty() && input.isEmpty()) {
      return "";
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(systemInstructions.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(input.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      // every Java platform must provide SHA-256 (MessageDigest's Javadoc)
      throw new IllegalStateException("SHA-256 is not available on this JVM", e);
    }
  }

  static String output(SpanView s, SpanAttributes a) {
    String direct =
        unredacted(
            a.text(
                "gen_ai.output.messages", "output.value", "ai.response.text", "gen_ai.completion"));
    if (!direct.isEmpty()) {
      return direct;
    }
    List<String> flat = a.indexed("gen_ai.completion.", "content");
    if (flat.isEmpty()) {
      flat = a.indexed("llm.output_messages.", "message.content");
    }
    return flat.isEmpty()
        ? eventAttribute(s, "gen_ai.content.completion", "gen_ai.completion")
        : String.join("\n", flat);
  }

  /**
   * Flattened messages ({@code prefix.N.role}, {@code prefix.N.content}) as one JSON array, so that
   * roles survive for later checks (e.g. whether an earlier assistant turn was sent).
   */
  private static String flattenedMessages(
      SpanAttributes a, String prefix, String roleKey, String contentKey) {
    List<String> contents = a.indexed(prefix, contentKey);
    if (contents.isEmpty()) {
      return "";
    }
    List<String> roles = a.indexed(prefix, roleKey);
    ArrayNode messages = JSON.createArrayNode();
    for (int i = 0; i < contents.size(); i++) {
      messages
          .addObject()
          .put("role", i < roles.size() ? roles.get(i) : "user")
          .put("content", contents.get(i));
    }
    return messages.toString();
  }

  private static String eventAttribute(SpanView s, String eventName, String key) {
    for (Span.Event event : s.proto().getEventsList()) {
      if (event.getName().equals(eventName)) {
        String v = new SpanAttributes(event.getAttributesList(), k -> {}).text(key);
        if (!v.isEmpty()) {
          return v;
        }
      }
    }
    return "";
  }
}
