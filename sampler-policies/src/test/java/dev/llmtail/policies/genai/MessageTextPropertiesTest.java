package dev.llmtail.policies.genai;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.io.IOException;
import java.io.StringWriter;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The streaming {@link MessageText} reads the same facts as the Jackson tree it replaced ({@link
 * TreeMessageText}), on random message shapes: every key the walk reads or walks into, with values
 * of every JSON type, repeated keys, long and Unicode texts, and documents cut short, followed by
 * other text or not JSON at all.
 */
class MessageTextPropertiesTest {

  private static final JsonFactory JSON = new JsonFactory();

  private static final String[] KEYS = {
    "role",
    "type",
    "content",
    "text",
    "refusal",
    "finish_reason",
    "stop_reason",
    "finishReason",
    "parts",
    "choices",
    "message",
    "messages",
    "output",
    "candidates",
    "body",
    "tool_calls",
    "id"
  };

  private static final List<String> WALKED =
      List.of("parts", "choices", "message", "messages", "output", "candidates", "body");

  private static final String[] WORDS = {
    "assistant",
    "user",
    "text",
    "refusal",
    "",
    "  ",
    "stop",
    "tool_call",
    "length",
    "Assistant",
    "I can’t help with that.",
    "İstanbul ẞ straße Σίσυφος",
    "line\nbreak \"quoted\" \\ \t",
    "😀 \uD83D"
  };

  @Property(tries = 3000)
  void streamingReaderFindsWhatTheTreeFound(@ForAll long seed) throws IOException {
    Random rnd = new Random(seed);
    String captured = mutate(rnd, document(rnd));
    MessageText.Read tree = TreeMessageText.read(captured);

    assertThat(MessageText.read(captured)).as(captured).isEqualTo(tree);
    assertThat(MessageText.hasAssistantTurn(captured))
        .as(captured)
        .isEqualTo(tree.hasAssistantTurn());

    // read from its UTF-8 bytes (what protobuf keeps of it: lone surrogates become '?'), as the
    // decoder leaves a captured output
    String valid = new String(captured.getBytes(UTF_8), UTF_8);
    Utf8Text bytes = Utf8Text.trimmed(AnyValue.newBuilder().setStringValue(valid).build());
    if (bytes != null) {
      assertThat(MessageText.read(bytes)).as(valid).isEqualTo(MessageText.read(valid));
    }
  }

  @Example
  void readsTheShapesTheDialectsWrite() {
    for (String captured :
        List.of(
            "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Hi\"}],"
                + "\"finish_reason\":\"stop\"}]",
            "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,"
                + "\"refusal\":\"I can't help with that.\"},\"finish_reason\":\"stop\"}]}",
            "[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"b\"}]}]",
            "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"c\"}]},\"finishReason\":\"STOP\"}]}",
            "{\"finish_reason\":\"length\",\"parts\":[{\"content\":\"first the parts\"}],"
                + "\"content\":\"then the object's own\"}",
            "{\"role\":\"assistant\",\"role\":\"user\",\"content\":\"x\",\"content\":[{\"text\":\"y\"}]}",
            "[{\"role\":\"assistant\"}] trailing",
            "{\"content\":[{\"text\":\"b\"}],\"parts\":[{\"text\":\"a\"}],\"type\":\"image\"}",
            "[{\"role\":\"assistant\",\"content\":\"cut sh",
            "plain text, not JSON")) {
      assertThat(MessageText.read(captured)).as(captured).isEqualTo(TreeMessageText.read(captured));
      assertThat(MessageText.hasAssistantTurn(captured))
          .as(captured)
          .isEqualTo(TreeMessageText.read(captured).hasAssistantTurn());
    }
    assertThat(MessageText.read("{\"parts\":[{\"content\":\"a\"}],\"content\":\"b\"}").text())
        .isEqualTo("b\na");
  }

  @Example
  void capsTextsJoinedPastTheLimitAsTheTreeDid() {
    String longText = "x".repeat(MessageText.MAX_CHARS - 3);
    String captured =
        "[{\"content\":\"" + longText + "\"},{\"content\":\"abcdef\"},{\"content\":\"z\"}]";
    MessageText.Read read = MessageText.read(captured);

    assertThat(read).isEqualTo(TreeMessageText.read(captured));
    assertThat(read.text()).hasSize(MessageText.MAX_CHARS).endsWith("x\nab");
  }

  /** A random JSON array or object of message-like shapes. */
  private static String document(Random rnd) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator json = JSON.createGenerator(out)) {
      if (rnd.nextBoolean()) {
        array(rnd, json, 0);
      } else {
        object(rnd, json, 0);
      }
    }
    return out.toString();
  }

  private static void object(Random rnd, JsonGenerator json, int depth) throws IOException {
    json.writeStartObject();
    for (int i = rnd.nextInt(6); i > 0; i--) {
      String key = KEYS[rnd.nextInt(KEYS.length)];
      json.writeFieldName(key);
      if (depth < 4 && rnd.nextBoolean() && (key.equals("content") || WALKED.contains(key))) {
        json.writeStartArray(); // content blocks, parts, choices…: objects in an array
        for (int n = rnd.nextInt(3) + 1; n > 0; n--) {
          object(rnd, json, depth + 1);
        }
        json.writeEndArray();
      } else {
        value(rnd, json, depth + 1);
      }
    }
    json.writeEndObject();
  }

  private static void array(Random rnd, JsonGenerator json, int depth) throws IOException {
    json.writeStartArray();
    for (int i = rnd.nextInt(4); i > 0; i--) {
      value(rnd, json, depth + 1);
    }
    json.writeEndArray();
  }

  private static void value(Random rnd, JsonGenerator json, int depth) throws IOException {
    int kind = rnd.nextInt(depth > 4 ? 6 : 9);
    switch (kind) {
      case 0, 1, 2 -> json.writeString(text(rnd));
      case 3 -> json.writeNumber(rnd.nextInt(3) == 0 ? rnd.nextDouble() : rnd.nextInt(100));
      case 4 -> json.writeBoolean(rnd.nextBoolean());
      case 5 -> json.writeNull();
      case 6, 7 -> object(rnd, json, depth);
      default -> array(rnd, json, depth);
    }
  }

  /** A word the walk compares with, or random text: long, Unicode, escapes, lone surrogates. */
  static String text(Random rnd) {
    if (rnd.nextInt(3) > 0) {
      return WORDS[rnd.nextInt(WORDS.length)];
    }
    int length = rnd.nextInt(10) == 0 ? rnd.nextInt(6000) : rnd.nextInt(20);
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int pick = rnd.nextInt(10);
      s.append(
          pick < 6
              ? (char) (' ' + rnd.nextInt(95))
              : pick < 8 ? (char) rnd.nextInt(0x3000) : pick < 9 ? '"' : (char) rnd.nextInt(32));
    }
    return s.toString();
  }

  /** The document as captured: whole, cut short, with text after it, padded, or not JSON. */
  private static String mutate(Random rnd, String json) {
    return switch (rnd.nextInt(8)) {
      case 0 -> json.substring(0, rnd.nextInt(json.length() + 1));
      case 1 -> json + (rnd.nextBoolean() ? " trailing" : "]}{");
      case 2 -> "  \n" + json + "\t ";
      case 3 -> "x" + json;
      case 4 -> "\u0001 " + json; // trimmed away, but no JSON whitespace
      case 5 -> json.charAt(0) + "\u0000" + json.substring(1); // "{" and NUL: not UTF-16
      default -> json;
    };
  }
}
