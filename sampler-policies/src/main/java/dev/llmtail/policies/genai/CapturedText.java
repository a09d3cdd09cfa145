package dev.llmtail.policies.genai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.BufferRecycler;
import dev.llmtail.core.CapturedPrompt;
import dev.llmtail.core.SpanView;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Where each dialect captures a call's prompt and output on its span: one attribute ({@code
 * gen_ai.input.messages}, {@code input.value}, {@code ai.prompt.messages}…), flattened messages
 * ({@code gen_ai.prompt.N.*}, {@code llm.input_messages.N.message.*}), or older OpenTelemetry
 * {@code gen_ai.content.*} span events. Empty when the span captured nothing.
 */
final class CapturedText {

  private static final JsonFactory JSON = new JsonFactory();

  /** What OpenInference writes in place of content it was told to hide. */
  private static final String REDACTED = "__REDACTED__";

  private CapturedText() {}

  /** Redacted content is no content: privacy mode must not make every prompt look the same. */
  private static String unredacted(String text) {
    return text.equals(REDACTED) ? "" : text;
  }

  /** The keys a call's prompt is captured under as one attribute, the first non-blank read. */
  private static final String[] INPUT_KEYS = {
    "gen_ai.input.messages", "input.value", "ai.prompt.messages", "ai.prompt", "gen_ai.prompt"
  };

  /**
   * The request the call span {@code s} captured, or else {@code logged} (its messages sent as log
   * records): its input as the policies read it, capped at {@link MessageText#MAX_CHARS}, and the
   * {@link RequestDigest} of its system instructions and whole input. One attribute that starts
   * with visible ASCII is capped and hashed from its UTF-8 bytes ({@link Utf8Text}), without a
   * {@code String} of all of it; flattened messages are written as JSON. Both only when first read
   * ({@link CapturedPrompt}): most calls are decided without either.
   */
  static CapturedPrompt request(SpanView s, SpanAttributes a, String logged) {
    String system = systemInstructions(a);
    OneAttribute one = OneAttribute.of(a, INPUT_KEYS);
    if (one.bytes != null) {
      return CapturedPrompt.lazy(new OneAttributeInput(system, one.bytes));
    }
    String direct = one.text;
    if (direct.isEmpty()) {
      CapturedPrompt flat = flattenedMessages(a, system, "gen_ai.prompt.", "role", "content");
      if (flat == null) {
        flat =
            flattenedMessages(a, system, "llm.input_messages.", "message.role", "message.content");
      }
      if (flat != null) {
        return flat;
      }
      direct = eventAttribute(s, "gen_ai.content.prompt", "gen_ai.prompt");
    }
    String input = direct.isEmpty() ? logged : direct;
    return CapturedPrompt.of(MessageText.cap(input), RequestDigest.of(system, input));
  }

  /** A prompt captured in one attribute, read from the span's bytes. */
  private record OneAttributeInput(String system, Utf8Text input) implements CapturedPrompt.Source {
    @Override
    public String text() {
      return input.capped(MessageText.MAX_CHARS);
    }

    @Override
    public String digest() {
      return RequestDigest.of(system, input);
    }

    @Override
    public long size() {
      return RequestDigest.size(system, input);
    }
  }

  /**
   * A prompt captured as flattened messages, written as one JSON array when first read: only then
   * are the contents decoded (a long one is UTF-8 bytes until {@code getStringValue}).
   */
  private static final class FlattenedInput implements CapturedPrompt.Source {
    private final String system;
    private final List<String> roles;
    private final List<AnyValue> contents;
    private @Nullable String json; // made once, as the strings' hashes are (see CapturedPrompt)

    FlattenedInput(String system, List<String> roles, List<AnyValue> contents) {
      this.system = system;
      this.roles = roles;
      this.contents = contents;
    }

    private String json() {
      String j = json;
      if (j == null) {
        j = writeMessages(roles, contents);
        json = j;
      }
      return j;
    }

    @Override
    public String text() {
      return MessageText.cap(json());
    }

    @Override
    public String digest() {
      return RequestDigest.of(system, json());
    }

    /**
     * Different system instructions, numbers of messages, roles or contents' UTF-8 sizes make
     * different JSON, so different bytes hashed: an agent's later call of the same model sends more
     * messages than its earlier one, and {@code retry-storm} compared the two by their digests,
     * writing both prompts as JSON (4 % of the decision path's CPU on the llm input). A content's
     * size is its value's encoded size (a string value's UTF-8 bytes and their count, memoised by
     * protobuf): known without decoding a long one, or encoding a short one.
     */
    @Override
    public boolean differsFrom(CapturedPrompt.Source other) {
      if (!(other instanceof FlattenedInput o)) {
        return false;
      }
      if (contents.size() != o.contents.size() || !system.equals(o.system)) {
        return true;
      }
      for (int i = 0; i < contents.size(); i++) {
        if (!role(i).equals(o.role(i))
            || contents.get(i).getSerializedSize() != o.contents.get(i).getSerializedSize()) {
          return true;
        }
      }
      return false;
    }

    /** The role message {@code i} is written with: a message without one is the user's. */
    private String role(int i) {
      return i < roles.size() ? roles.get(i) : "user";
    }
  }

  /**
   * System instructions captured apart from the messages ({@code gen_ai.system_instructions}, as
   * the AI SDK v7 writes them); other dialects keep the system message among the input messages.
   */
  static String systemInstructions(SpanAttributes a) {
    return unredacted(a.text("gen_ai.system_instructions"));
  }

  /** The keys a call's output is captured under as one attribute, the first non-blank read. */
  private static final String[] OUTPUT_KEYS = {
    "gen_ai.output.messages", "output.value", "ai.response.text", "gen_ai.completion"
  };

  /**
   * What the call span {@code s} captured as its output, or else {@code logged} (its messages sent
   * as log records), read by {@link MessageText}. One attribute that starts with visible ASCII is
   * read from its UTF-8 bytes ({@link Utf8Text}), and so is one flattened output message; any other
   * as the text {@code a.text(OUTPUT_KEYS)} returns, or the flattened messages joined.
   */
  static MessageText.Read output(SpanView s, SpanAttributes a, String logged) {
    OneAttribute one = OneAttribute.of(a, OUTPUT_KEYS);
    if (one.bytes != null) {
      return MessageText.read(one.bytes);
    }
    if (!one.text.isEmpty()) {
      return MessageText.read(one.text);
    }
    List<AnyValue> flat = a.indexedValues("gen_ai.completion.", "content");
    if (flat.isEmpty()) {
      flat = a.indexedValues("llm.output_messages.", "message.content");
    }
    // One flattened output whose bytes start with visible ASCII is read from them, as one attribute
    // is: a 2-8 KiB output was decoded, then copied trimmed and capped.
    Utf8Text single = flat.size() == 1 ? Utf8Text.trimmed(flat.get(0)) : null;
    if (single != null) {
      return MessageText.read(single);
    }
    return MessageText.read(notOneAttribute(s, flat, logged));
  }

  /**
   * What {@code unredacted(a.text(keys))} reads: the first key whose value is not blank, as its
   * trimmed UTF-8 bytes when they start with visible ASCII (not decoded), else as its text; neither
   * when there is none, or it is redacted.
   */
  private record OneAttribute(@Nullable Utf8Text bytes, String text) {
    private static final OneAttribute NONE = new OneAttribute(null, "");

    static OneAttribute of(SpanAttributes a, String[] keys) {
      for (String key : keys) {
        AnyValue v = a.value(key);
        if (v == null) {
          continue;
        }
        Utf8Text bytes = Utf8Text.trimmed(v);
        if (bytes != null) {
          return bytes.isAscii(REDACTED) ? NONE : new OneAttribute(bytes, "");
        }
        if (!SpanAttributes.blank(v)) {
          return new OneAttribute(null, unredacted(SpanAttributes.text(v)));
        }
      }
      return NONE;
    }
  }

  /** Output captured as the flattened messages {@code flat} or an event, else {@code logged}. */
  private static String notOneAttribute(SpanView s, List<AnyValue> flat, String logged) {
    String captured;
    if (flat.size() == 1) {
      captured = flat.get(0).getStringValue(); // what joining one would give, without a copy
    } else if (flat.isEmpty()) {
      captured = eventAttribute(s, "gen_ai.content.completion", "gen_ai.completion");
    } else {
      List<String> texts = new ArrayList<>(flat.size());
      for (AnyValue v : flat) {
        texts.add(v.getStringValue());
      }
      captured = String.join("\n", texts);
    }
    return captured.isEmpty() ? logged : captured;
  }

  /**
   * Flattened messages ({@code prefix.N.role}, {@code prefix.N.content}) as a request whose input
   * is one JSON array, so that roles survive for later checks (e.g. whether an earlier assistant
   * turn was sent); null if there are none.
   */
  private static @Nullable CapturedPrompt flattenedMessages(
      SpanAttributes a, String system, String prefix, String roleKey, String contentKey) {
    List<AnyValue> contents = a.indexedValues(prefix, contentKey);
    if (contents.isEmpty()) {
      return null;
    }
    return CapturedPrompt.lazy(new FlattenedInput(system, a.indexed(prefix, roleKey), contents));
  }

  /**
   * {@link #writeMessages(List, List, Writer)} as a string, as {@code
   * ObjectMapper.writeValueAsString} writes: into Jackson's segmented writer, with buffers the
   * thread reuses, and made a string once. A {@code StringWriter} (a synchronized {@code
   * StringBuffer}, grown and copied again by {@code toString}) took about half again as long for a
   * 2-8 KiB prompt.
   */
  private static String writeMessages(List<String> roles, List<AnyValue> contents) {
    BufferRecycler buffers = JSON._getBufferRecycler();
    try (SegmentedStringWriter out = new SegmentedStringWriter(buffers)) {
      writeMessages(roles, contents, AnyValue::getStringValue, out);
      return out.getAndClear();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    } finally {
      buffers.releaseToPool();
    }
  }

  /**
   * Writes {@code [{"role":…,"content":…},…]} as a Jackson tree of the messages prints itself,
   * without building the tree; a message without a role is the user's.
   */
  static void writeMessages(List<String> roles, List<String> contents, Writer out) {
    writeMessages(roles, contents, text -> text, out);
  }

  private static <T> void writeMessages(
      List<String> roles, List<T> contents, Function<T, String> text, Writer out) {
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartArray();
      for (int i = 0; i < contents.size(); i++) {
        json.writeStartObject();
        json.writeStringField("role", i < roles.size() ? roles.get(i) : "user");
        json.writeStringField("content", text.apply(contents.get(i)));
        json.writeEndObject();
      }
      json.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
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
