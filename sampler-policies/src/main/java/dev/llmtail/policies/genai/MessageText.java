package dev.llmtail.policies.genai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Text and refusals out of captured messages, whichever shape they were captured in: OTel GenAI
 * {@code [{"role":…,"parts":[{"type":"text","content":…}],"finish_reason":…}]}, OpenAI-style {@code
 * {"choices":[{"message":{"content":…,"refusal":…}}]}} or {@code [{"role":…,"content":…}]}, or
 * plain text. Output is capped at {@link #MAX_CHARS} characters.
 *
 * <p>Read with Jackson's streaming parser, without a tree: captured prompts and outputs are 2–8 KiB
 * on every LLM span, and a tree of each was the normaliser's largest cost. The facts are those of a
 * walk of the tree ({@code JsonNode}) the reader used before, which the tests keep as the oracle:
 * in an object, its own text, refusal and finish reasons come before those of its children, the
 * children in the order {@code parts, choices, message, messages, output, candidates, body}, then a
 * {@code content} array; where a key repeats, the last one counts (as in a tree); only the first
 * JSON value is read (a tree ignores what trails it); and input that is not JSON to its end is
 * plain text.
 */
final class MessageText {

  static final int MAX_CHARS = 8192;

  /** The factory an {@code ObjectMapper} builds on: the same features and read constraints. */
  private static final JsonFactory JSON = new JsonFactory();

  /** The keys walked into, in the order their facts are listed; a {@code content} array is last. */
  private static final String[] CHILDREN = {
    "parts", "choices", "message", "messages", "output", "candidates", "body"
  };

  private static final String[] REASON_KEYS = {"finish_reason", "stop_reason", "finishReason"};

  /** What captured output said: its text, and whether it held a refusal or a finish reason. */
  record Read(String text, boolean refusal, List<String> finishReasons, boolean hasAssistantTurn) {}

  private MessageText() {}

  static Read read(String captured) {
    Found found = json(captured, true);
    if (found == null) {
      return new Read(trimmedAndCapped(captured), false, List.of(), false);
    }
    return new Read(found.text(), found.refusal, found.reasons(), found.assistant);
  }

  /**
   * {@code read(captured.string())}, without that string: JSON is parsed from the bytes by
   * Jackson's UTF-8 parser, and only the texts it holds become strings (a captured output is 2–8
   * KiB of JSON on every LLM span; decoding it, then parsing the characters, was two passes and a
   * copy).
   */
  static Read read(Utf8Text captured) {
    byte first = captured.at(0);
    if (first != '{' && first != '[') {
      return new Read(captured.capped(MAX_CHARS), false, List.of(), false);
    }
    if (captured.length() > 1 && captured.at(1) == 0) {
      // Jackson's byte parser would take "{" and a NUL for UTF-16 or UTF-32; as characters it is
      // not JSON (plain text, read as such)
      return read(captured.string());
    }
    Found found;
    try (JsonParser p = JSON.createParser(captured.bytes(), captured.start(), captured.length())) {
      found = walk(p, true);
    } catch (IOException notJson) {
      return new Read(captured.capped(MAX_CHARS), false, List.of(), false);
    }
    return new Read(found.text(), found.refusal, found.reasons(), found.assistant);
  }

  /**
   * Whether {@code captured} holds an assistant turn: {@code read(captured).hasAssistantTurn()},
   * without keeping any text.
   */
  static boolean hasAssistantTurn(String captured) {
    Found found = json(captured, false);
    return found != null && found.assistant;
  }

  static String cap(String s) {
    return s.length() <= MAX_CHARS ? s : s.substring(0, MAX_CHARS);
  }

  /** {@code cap(s.trim())}, copied once at most. */
  private static String trimmedAndCapped(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) <= ' ') {
      start++;
    }
    while (end > start && s.charAt(end - 1) <= ' ') {
      end--;
    }
    return s.substring(start, Math.min(end, start + MAX_CHARS));
  }

  /** The facts of {@code captured}, trimmed, read as JSON; null if it is not JSON. */
  private static @Nullable Found json(String captured, boolean keepText) {
    int start = 0;
    boolean jsonSpace = true; // whether what trim() would drop before the value is JSON whitespace
    while (start < captured.length() && captured.charAt(start) <= ' ') {
      char c = captured.charAt(start++);
      jsonSpace &= c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }
    if (start == captured.length()
        || (captured.charAt(start) != '{' && captured.charAt(start) != '[')) {
      return null;
    }
    // the parser stops after the first value: what trails it, trimmed or not, is never read
    String json = jsonSpace ? captured : captured.substring(start);
    try (JsonParser p = JSON.createParser(json)) {
      return walk(p, keepText);
    } catch (IOException notJson) {
      // the tree reader took any input it could not read to its end as plain text
      return null;
    }
  }

  /** The facts of the first JSON value {@code p} reads. */
  private static Found walk(JsonParser p, boolean keepText) throws IOException {
    Found found = new Found(keepText);
    found.value(p, p.nextToken());
    return found;
  }

  /** The facts of one walked JSON value, in the order a walk of its tree finds them. */
  private static final class Found {
    private final boolean keepText;
    private @Nullable List<String> texts;
    private @Nullable List<String> reasons;
    boolean refusal;
    boolean assistant;

    Found(boolean keepText) {
      this.keepText = keepText;
    }

    /** Walks the value that starts at {@code token}; the parser is left on its last token. */
    void value(JsonParser p, @Nullable JsonToken token) throws IOException {
      if (token == JsonToken.START_ARRAY) {
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          if (t == null) {
            throw new IOException("input ended inside an array");
          }
          value(p, t);
        }
      } else if (token == JsonToken.START_OBJECT) {
        new ObjectFields(keepText).read(p).addTo(this);
      } else {
        pass(p, token); // scalars hold nothing
      }
    }

    void text(@Nullable String s) {
      if (s != null && !s.isBlank()) {
        alwaysText(s);
      }
    }

    void alwaysText(String s) {
      if (texts == null) {
        texts = new ArrayList<>(2);
      }
      texts.add(s);
    }

    void reason(@Nullable String s) {
      if (s != null) {
        if (reasons == null) {
          reasons = new ArrayList<>(1);
        }
        reasons.add(s);
      }
    }

    void addAll(Found child) {
      refusal |= child.refusal;
      assistant |= child.assistant;
      if (child.texts != null) {
        child.texts.forEach(this::alwaysText);
      }
      if (child.reasons != null) {
        child.reasons.forEach(this::reason);
      }
    }

    List<String> reasons() {
      return reasons == null ? List.of() : reasons;
    }

    /** The texts joined by new lines and capped at {@link #MAX_CHARS}, copied once. */
    String text() {
      if (texts == null) {
        return "";
      }
      if (texts.size() == 1) {
        return cap(texts.get(0));
      }
      int total = texts.size() - 1;
      for (String t : texts) {
        total += t.length();
      }
      StringBuilder joined = new StringBuilder(Math.min(total, MAX_CHARS));
      for (int i = 0; i < texts.size() && joined.length() < MAX_CHARS; i++) {
        if (i > 0) {
          joined.append('\n');
        }
        String t = texts.get(i);
        joined.append(t, 0, Math.min(t.length(), Math.max(0, MAX_CHARS - joined.length())));
      }
      return joined.toString();
    }
  }

  /**
   * Reads past the value that starts at {@code token}, to its last token. Strings are finished
   * (read into the parser's buffer, not copied) rather than skipped: Jackson's {@code skipChildren}
   * skips a string at half the speed it reads one, and a skipped 2–8 KiB prompt made {@link
   * #hasAssistantTurn} slower than the tree it replaced.
   */
  private static void pass(JsonParser p, @Nullable JsonToken token) throws IOException {
    if (token == JsonToken.VALUE_STRING) {
      p.getTextLength();
      return;
    }
    if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
      return;
    }
    for (int depth = 1; depth > 0; ) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new IOException("input ended inside a value");
      } else if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
        depth++;
      } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
        depth--;
      } else if (t == JsonToken.VALUE_STRING) {
        p.getTextLength();
      }
    }
  }

  /** What {@code type} said, as the tree's {@code asText()} would compare. */
  private enum Type {
    /** Absent, {@code ""}, an object or an array. */
    NONE,
    TEXT,
    REFUSAL,
    OTHER
  }

  /** The fields of one JSON object that the walk reads; where a key repeats, the last counts. */
  private static final class ObjectFields {
    private final boolean keepText;
    private boolean assistantRole;
    private Type type = Type.NONE;
    private @Nullable String content;
    private @Nullable String text;
    private @Nullable String refusal;
    private final @Nullable String[] reasons = new String[REASON_KEYS.length];
    private final @Nullable Found[] children = new Found[CHILDREN.length];
    private @Nullable Found contentBlocks;

    ObjectFields(boolean keepText) {
      this.keepText = keepText;
    }

    /** Reads the object whose START_OBJECT the parser is on, up to its END_OBJECT. */
    ObjectFields read(JsonParser p) throws IOException {
      for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
        JsonToken value = p.nextToken();
        boolean string = value == JsonToken.VALUE_STRING;
        switch (key) {
          case "role" -> assistantRole = string && "assistant".equals(p.getText());
          case "type" -> type = type(p, value);
          case "content" -> {
            content = string && keepText ? p.getText() : null;
            contentBlocks = null;
            if (value == JsonToken.START_ARRAY) {
              contentBlocks = new Found(keepText);
              contentBlocks.value(p, value);
            }
          }
          case "text" -> text = string && keepText ? p.getText() : null;
          case "refusal" -> refusal = string && keepText ? p.getText() : null;
          default -> {
            int reason = indexOf(REASON_KEYS, key);
            int child = reason < 0 ? indexOf(CHILDREN, key) : -1;
            if (reason >= 0) {
              reasons[reason] = string && keepText ? p.getText() : null;
            } else if (child >= 0) {
              Found found = new Found(keepText);
              found.value(p, value);
              children[child] = found;
            }
          }
        }
        if (p.currentToken() == value) {
          pass(p, value); // a value not walked (a walked one leaves the parser on its end)
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT) {
        throw new IOException("unexpected " + p.currentToken() + " in an object");
      }
      return this;
    }

    private static Type type(JsonParser p, JsonToken value) throws IOException {
      return switch (value) {
        case VALUE_STRING -> {
          String s = p.getText();
          yield s.isEmpty()
              ? Type.NONE
              : s.equals("text") ? Type.TEXT : s.equals("refusal") ? Type.REFUSAL : Type.OTHER;
        }
        case START_OBJECT, START_ARRAY -> Type.NONE;
        default -> Type.OTHER; // numbers, booleans and null read as non-empty text
      };
    }

    private static int indexOf(String[] keys, String key) {
      for (int i = 0; i < keys.length; i++) {
        if (keys[i].equals(key)) {
          return i;
        }
      }
      return -1;
    }

    /** Adds this object's facts to {@code out} in the tree walk's order. */
    void addTo(Found out) {
      out.assistant |= assistantRole;
      if (type == Type.REFUSAL) {
        out.refusal = true;
        out.text(content);
        out.text(refusal);
      } else if (type == Type.TEXT || type == Type.NONE) {
        out.text(content);
        out.text(text);
      }
      if (refusal != null && !refusal.isBlank() && type != Type.REFUSAL) {
        out.refusal = true;
        out.alwaysText(refusal);
      }
      for (String reason : reasons) {
        out.reason(reason);
      }
      for (Found child : children) {
        if (child != null) {
          out.addAll(child);
        }
      }
      if (contentBlocks != null) {
        out.addAll(contentBlocks);
      }
    }
  }
}
