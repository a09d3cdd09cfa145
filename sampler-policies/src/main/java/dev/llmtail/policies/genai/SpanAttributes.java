package dev.llmtail.policies.genai;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Tolerant typed reads of one span's attributes, as the dialects write them: numbers as ints,
 * doubles or strings ({@code "123"} in Spring AI), booleans as bools or strings, lists as arrays or
 * strings ({@code "[STOP]"}). A value that cannot be read as the wanted type is ignored and
 * reported to {@code onMalformed} with its key; reads never throw.
 *
 * <p>Read once, without a map per span: the GenAI normaliser's view walks the span's attributes
 * once and files each key it knows ({@link GenAiKeys}) in a slot; any other key is found by
 * scanning the span's own attribute list from the end. Where a key repeats, the last one wins.
 */
public final class SpanAttributes {

  private final List<KeyValue> attributes;

  /**
   * By slot of {@link GenAiKeys}, 1 + the position of the key's last attribute, 0 if absent (a byte
   * each, not a reference: a quarter of the bytes per span); null for a view that scans.
   */
  private final byte @Nullable [] known;

  /** The only keys this view shows, or null for all of them. */
  private final String @Nullable [] only;

  /**
   * Which of {@link GenAiKeys#FLATTENED}'s prefixes some key of the span starts with (a bit each),
   * so that the normaliser's view answers "no such list" without a scan; all bits for a view that
   * scans.
   */
  private final int flattened;

  private final Consumer<String> onMalformed;

  /** The attributes of one span, for policies that read a configurable attribute. */
  public static SpanAttributes of(dev.llmtail.core.SpanView span) {
    return new SpanAttributes(span.proto().getAttributesList(), null, null, -1, key -> {});
  }

  /**
   * Only the attributes named {@code keys} of one span: for a policy that reads a few keys of every
   * span; the others are not visible.
   */
  public static SpanAttributes of(dev.llmtail.core.SpanView span, String... keys) {
    return new SpanAttributes(span.proto().getAttributesList(), null, keys, -1, key -> {});
  }

  private SpanAttributes(
      List<KeyValue> attributes,
      byte @Nullable [] known,
      String @Nullable [] only,
      int flattened,
      Consumer<String> onMalformed) {
    this.attributes = attributes;
    this.known = known;
    this.only = only;
    this.flattened = flattened;
    this.onMalformed = onMalformed;
  }

  /** A view that scans for every key, as a policy's does: the tests hold the normaliser's to it. */
  static SpanAttributes scanning(List<KeyValue> attributes, Consumer<String> onMalformed) {
    return new SpanAttributes(attributes, null, null, -1, onMalformed);
  }

  /**
   * The normaliser's view: one pass files the keys it reads; the rest are scanned for. A span of
   * more attributes than a byte numbers (no instrumentation writes so many) is scanned instead.
   */
  SpanAttributes(List<KeyValue> attributes, Consumer<String> onMalformed) {
    this(
        attributes,
        attributes.size() <= GenAiKeys.MAX_FILED ? new byte[GenAiKeys.count()] : null,
        onMalformed);
  }

  private SpanAttributes(
      List<KeyValue> attributes, byte @Nullable [] known, Consumer<String> onMalformed) {
    this(
        attributes,
        known,
        null,
        known == null ? -1 : GenAiKeys.file(attributes, known),
        onMalformed);
  }

  /** The value filed at {@code slot}, or null. */
  private @Nullable AnyValue filed(byte[] known, int slot) {
    int position = known[slot] & 0xFF;
    return position == 0 ? null : attributes.get(position - 1).getValue();
  }

  /** {@code key}'s value, or null: for readers of its bytes ({@link Utf8Text}). */
  @Nullable AnyValue value(String key) {
    return get(key);
  }

  private @Nullable AnyValue get(String key) {
    if (known != null) {
      int slot = GenAiKeys.slot(key);
      if (slot >= 0) {
        return filed(known, slot);
      }
    }
    if (only != null && !named(key)) {
      return null;
    }
    for (int i = attributes.size() - 1; i >= 0; i--) {
      KeyValue kv = attributes.get(i);
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    return null;
  }

  /** The value of {@code names[i]}: from its slot in the normaliser's view when given one. */
  private @Nullable AnyValue get(String[] names, int @Nullable [] slots, int i) {
    return known != null && slots != null ? filed(known, slots[i]) : get(names[i]);
  }

  private boolean named(String key) {
    for (String k : Objects.requireNonNull(only)) {
      if (k.equals(key)) {
        return true;
      }
    }
    return false;
  }

  /** Every visible attribute, in the span's order. */
  private List<KeyValue> visible() {
    return only == null
        ? attributes
        : attributes.stream().filter(kv -> named(kv.getKey())).toList();
  }

  /** Whether no key can start with {@code prefix}: the normaliser's view knows without a scan. */
  private boolean noneStartWith(String prefix) {
    int bit = GenAiKeys.flattenedBit(prefix);
    return bit != 0 && (flattened & bit) == 0;
  }

  public boolean has(String key) {
    return get(key) != null;
  }

  /** Whether any of {@code keys} is present. */
  boolean has(GenAiKeys.Keys keys) {
    for (int i = 0; i < keys.names.length; i++) {
      if (get(keys.names, keys.slots, i) != null) {
        return true;
      }
    }
    return false;
  }

  /** {@code key}'s value as text, as {@link #text(String...)} reads it (no array per read). */
  public String text(String key) {
    AnyValue v = get(key);
    return v == null ? "" : text(v);
  }

  /** The first of {@code keys} with a non-blank value, as text; {@code ""} if none. */
  public String text(String... keys) {
    return text(keys, null);
  }

  /** As {@link #text(String...)}, each key from its slot. */
  String text(GenAiKeys.Keys keys) {
    return text(keys.names, keys.slots);
  }

  private String text(String[] names, int @Nullable [] slots) {
    for (int i = 0; i < names.length; i++) {
      AnyValue v = get(names, slots, i);
      if (v == null) {
        continue;
      }
      String s = TolerantValues.untrimmed(v);
      if (!s.isBlank()) {
        return s.trim();
      }
    }
    return "";
  }

  /** One value as {@link #text} reads it: {@code ""} if blank or not a scalar, else trimmed. */
  static String text(AnyValue v) {
    return TolerantValues.text(v);
  }

  /** Whether {@link #text(String...)} passes over {@code v} to the next key. */
  static boolean blank(AnyValue v) {
    return TolerantValues.untrimmed(v).isBlank();
  }

  /** {@code key}'s value as a whole number, as {@link #whole(String...)} reads it. */
  public @Nullable Long whole(String key) {
    return read(get(key), key, TolerantValues::whole);
  }

  /** {@code key}'s value as a number, as {@link #number(String...)} reads it. */
  public @Nullable Double number(String key) {
    return read(get(key), key, TolerantValues::number);
  }

  /** The first of {@code keys} readable as a whole number, or null. */
  public @Nullable Long whole(String... keys) {
    return first(keys, null, TolerantValues::whole);
  }

  /** As {@link #whole(String...)}, each key from its slot. */
  @Nullable Long whole(GenAiKeys.Keys keys) {
    return first(keys.names, keys.slots, TolerantValues::whole);
  }

  /** The first of {@code keys} readable as a number, or null. */
  public @Nullable Double number(String... keys) {
    return first(keys, null, TolerantValues::number);
  }

  /** As {@link #number(String...)}, each key from its slot. */
  @Nullable Double number(GenAiKeys.Keys keys) {
    return first(keys.names, keys.slots, TolerantValues::number);
  }

  /** The first of {@code keys} readable as a boolean, or null. */
  public @Nullable Boolean flag(String... keys) {
    return first(keys, null, TolerantValues::flag);
  }

  /** As {@link #flag(String...)}, each key from its slot. */
  @Nullable Boolean flag(GenAiKeys.Keys keys) {
    return first(keys.names, keys.slots, TolerantValues::flag);
  }

  /** The first present key's value that {@code read} understands; others are reported malformed. */
  private <T> @Nullable T first(
      String[] names, int @Nullable [] slots, Function<AnyValue, @Nullable T> read) {
    for (int i = 0; i < names.length; i++) {
      T value = read(get(names, slots, i), names[i], read);
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  /** {@code v} if {@code read} understands it; otherwise reported malformed if present. */
  private <T> @Nullable T read(
      @Nullable AnyValue v, String key, Function<AnyValue, @Nullable T> read) {
    if (v == null) {
      return null;
    }
    T value = read.apply(v);
    if (value == null) {
      onMalformed.accept(key);
    }
    return value;
  }

  /**
   * The first of {@code keys} as a list of strings: an array, or a string holding one value or a
   * bracketed list ({@code "[STOP]"}, {@code "[\"stop\",\"length\"]"}).
   */
  public List<String> list(String... keys) {
    return list(keys, null);
  }

  /** As {@link #list(String...)}, each key from its slot. */
  List<String> list(GenAiKeys.Keys keys) {
    return list(keys.names, keys.slots);
  }

  private List<String> list(String[] names, int @Nullable [] slots) {
    for (int i = 0; i < names.length; i++) {
      AnyValue v = get(names, slots, i);
      if (v == null) {
        continue;
      }
      List<String> out = new ArrayList<>();
      if (v.hasArrayValue()) {
        ArrayValue array = v.getArrayValue();
        for (int j = 0, n = array.getValuesCount(); j < n; j++) { // no iterator per read
          AnyValue item = array.getValues(j);
          if (item.hasStringValue() && !item.getStringValue().isBlank()) {
            out.add(item.getStringValue().trim());
          }
        }
      } else if (v.hasStringValue()) {
        String s = v.getStringValue().trim();
        if (s.startsWith("[") && s.endsWith("]")) {
          s = s.substring(1, s.length() - 1);
        }
        for (String part : s.split(",", -1)) {
          String p = ListItems.unquoted(part.trim());
          if (!p.isEmpty()) {
            out.add(p);
          }
        }
      } else {
        onMalformed.accept(names[i]);
        continue;
      }
      if (!out.isEmpty()) {
        return out;
      }
    }
    return List.of();
  }

  /**
   * Values of flattened list attributes {@code prefix.N.suffix} in index order, e.g. {@code
   * indexed("gen_ai.completion.", "content")}.
   */
  List<String> indexed(String prefix, String suffix) {
    List<AnyValue> values = indexedValues(prefix, suffix);
    if (values.isEmpty()) {
      return List.of();
    }
    if (values.size() == 1) {
      return List.of(values.get(0).getStringValue());
    }
    List<String> out = new ArrayList<>(values.size());
    for (AnyValue v : values) {
      out.add(v.getStringValue());
    }
    return out;
  }

  /** The values {@link #indexed} decodes, as they are: a long one stays bytes until read. */
  List<AnyValue> indexedValues(String prefix, String suffix) {
    if (noneStartWith(prefix)) {
      return List.of();
    }
    TreeMap<Integer, AnyValue> byIndex = null; // most spans have none: nothing to allocate
    List<KeyValue> visible = visible();
    for (int i = 0, n = visible.size(); i < n; i++) {
      KeyValue kv = visible.get(i);
      String key = kv.getKey();
      int dot = GenAiKeys.indexEnd(key, prefix);
      if (dot < 0
          || key.length() - dot - 1 != suffix.length()
          || !key.startsWith(suffix, dot + 1)
          || !kv.getValue().hasStringValue()) {
        continue;
      }
      try {
        int index = Integer.parseInt(key, prefix.length(), dot, 10);
        if (byIndex == null) {
          byIndex = new TreeMap<>();
        }
        byIndex.put(index, kv.getValue());
      } catch (NumberFormatException tooLarge) {
        onMalformed.accept(key);
      }
    }
    return byIndex == null ? List.of() : new ArrayList<>(byIndex.values());
  }

  /** The distinct indexes N of flattened attributes {@code prefix.N.…}, ascending. */
  List<Integer> indexes(String prefix) {
    if (noneStartWith(prefix)) {
      return List.of();
    }
    TreeMap<Integer, Boolean> seen = null;
    List<KeyValue> visible = visible();
    for (int i = 0, n = visible.size(); i < n; i++) {
      KeyValue kv = visible.get(i);
      String key = kv.getKey();
      int dot = GenAiKeys.indexEnd(key, prefix);
      if (dot >= 0) {
        try {
          int index = Integer.parseInt(key, prefix.length(), dot, 10);
          if (seen == null) {
            seen = new TreeMap<>();
          }
          seen.put(index, true);
        } catch (NumberFormatException tooLarge) {
          onMalformed.accept(key);
        }
      }
    }
    return seen == null ? List.of() : new ArrayList<>(seen.keySet());
  }
}
