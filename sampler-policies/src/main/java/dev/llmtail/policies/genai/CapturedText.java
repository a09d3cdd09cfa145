package dev.llmtail.policies.genai;

import com.dynatrace.hash4j.hashing.HashValue128;
import com.dynatrace.hash4j.hashing.Hasher128;
import com.dynatrace.hash4j.hashing.Hashing;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.llmtail.core.SpanView;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.List;

/**
 * Where each dialect captures a call's prompt and output on its span: one attribute ({@code
 * gen_ai.input.messages}, {@code input.value}, {@code ai.prompt.messages}…), flattened messages
 * ({@code gen_ai.prompt.N.*}, {@code llm.input_messages.N.message.*}), or older OpenTelemetry
 * {@code gen_ai.content.*} span events. Empty when the span captured nothing.
 */
final class CapturedText {

  private static final JsonFactory JSON = new JsonFactory();

  private static final Hasher128 XXH3 = Hashing.xxh3_128();

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
   * A 128-bit hash (XXH3, hex) of the whole request — system instructions and input, uncapped — or
   * {@code ""} when neither was captured: prompts that share their first kilobytes (a long shared
   * context) and differ at the end, or differ only in their system instructions, are different
   * requests.
   *
   * <p>Not a cryptographic digest, on purpose: it was SHA-256 of the UTF-8 bytes, a copy of every
   * prompt and most of the normaliser's hashing time. Equal digests stand for equal requests within
   * one trace and among the 200 000 a duplicate-request policy remembers: two different requests
   * share a 128-bit hash with a chance of about n²/2¹²⁹, 10⁻²⁸ for n = 200 000. A client that
   * crafted a collision (XXH3 does not resist that) would only get its own trace kept as a
   * duplicate. The characters are hashed as they are, without encoding them to bytes; the length of
   * the system instructions goes first, so that where they end is part of what is hashed.
   */
  static String digest(String systemInstructions, String input) {
    if (systemInstructions.isEmpty() && input.isEmpty()) {
      return "";
    }
    HashValue128 hash =
        XXH3.hashStream()
            .putInt(systemInstructions.length())
            .putChars(systemInstructions)
            .putChars(input)
            .get();
    HexFormat hex = HexFormat.of();
    return hex.toHexDigits(hash.getMostSignificantBits())
        + hex.toHexDigits(hash.getLeastSignificantBits());
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
    return messagesJson(a.indexed(prefix, roleKey), contents);
  }

  /**
   * {@code [{"role":…,"content":…},…]} as a Jackson tree of the messages prints itself, without
   * building the tree; a message without a role is the user's.
   */
  static String messagesJson(List<String> roles, List<String> contents) {
    int length = 2;
    for (String content : contents) {
      length += content.length() + 32;
    }
    StringWriter out = new StringWriter(length);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartArray();
      for (int i = 0; i < contents.size(); i++) {
        json.writeStartObject();
        json.writeStringField("role", i < roles.size() ? roles.get(i) : "user");
        json.writeStringField("content", contents.get(i));
        json.writeEndObject();
      }
      json.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to a string cannot fail", e);
    }
    return out.toString();
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
