package dev.llmtail.policies.genai;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Flattened attributes ({@code prefix.N.suffix}) are read as the regular expression {@code
 * (\d+)\.(.+)} read them: on random keys with digits of every length, other digits, missing parts
 * and line ends.
 */
class FlattenedKeysPropertiesTest {

  private static final Pattern INDEXED = Pattern.compile("(\\d+)\\.(.+)");

  private static final String[] PIECES = {
    "gen_ai.completion.",
    "gen_ai.prompt.",
    "0",
    "1",
    "7",
    "12",
    "007",
    "99999999999",
    "٣",
    ".",
    "..",
    "content",
    "role",
    "finish_reason",
    "\n",
    "\u2028",
    "x",
    ""
  };

  /** {@code SpanAttributes.indexed} as it was, with the regular expression. */
  private static List<String> indexedByRegex(
      List<KeyValue> attributes, String prefix, String suffix, List<String> malformed) {
    TreeMap<Integer, String> byIndex = new TreeMap<>();
    for (KeyValue kv : attributes) {
      String key = kv.getKey();
      if (!key.startsWith(prefix)) {
        continue;
      }
      Matcher m = INDEXED.matcher(key.substring(prefix.length()));
      if (m.matches() && m.group(2).equals(suffix) && kv.getValue().hasStringValue()) {
        try {
          byIndex.put(Integer.parseInt(m.group(1)), kv.getValue().getStringValue());
        } catch (NumberFormatException tooLarge) {
          malformed.add(key);
        }
      }
    }
    return new ArrayList<>(byIndex.values());
  }

  /** {@code SpanAttributes.indexes} as it was, with the regular expression. */
  private static List<Integer> indexesByRegex(
      List<KeyValue> attributes, String prefix, List<String> malformed) {
    TreeMap<Integer, Boolean> seen = new TreeMap<>();
    for (KeyValue kv : attributes) {
      String key = kv.getKey();
      if (key.startsWith(prefix)) {
        Matcher m = INDEXED.matcher(key.substring(prefix.length()));
        if (m.matches()) {
          try {
            seen.put(Integer.parseInt(m.group(1)), true);
          } catch (NumberFormatException tooLarge) {
            malformed.add(key);
          }
        }
      }
    }
    return new ArrayList<>(seen.keySet());
  }

  @Property(tries = 2000)
  void readsFlattenedKeysAsTheRegularExpressionDid(@ForAll long seed) {
    Random rnd = new Random(seed);
    List<KeyValue> attributes = new ArrayList<>();
    for (int i = rnd.nextInt(8); i > 0; i--) {
      StringBuilder key = new StringBuilder(PIECES[rnd.nextInt(2)]);
      if (rnd.nextInt(3) > 0) { // prefix.N.suffix, perhaps with more after it
        key.append(PIECES[2 + rnd.nextInt(7)]).append('.').append(PIECES[11 + rnd.nextInt(3)]);
      }
      for (int p = rnd.nextInt(3); p > 0; p--) {
        key.append(PIECES[rnd.nextInt(PIECES.length)]);
      }
      AnyValue value =
          rnd.nextInt(4) == 0
              ? AnyValue.newBuilder().setIntValue(i).build()
              : AnyValue.newBuilder().setStringValue("v" + i).build();
      attributes.add(KeyValue.newBuilder().setKey(key.toString()).setValue(value).build());
    }
    for (String prefix : List.of("gen_ai.completion.", "gen_ai.prompt.")) {
      for (String suffix : List.of("content", "role", "finish_reason")) {
        List<String> malformed = new ArrayList<>();
        List<String> expected = indexedByRegex(attributes, prefix, suffix, malformed);
        List<String> reported = new ArrayList<>();
        SpanAttributes a = new SpanAttributes(attributes, reported::add);

        assertThat(a.indexed(prefix, suffix)).as("%s %s", attributes, suffix).isEqualTo(expected);
        assertThat(reported).isEqualTo(malformed);
      }
      List<String> malformed = new ArrayList<>();
      List<Integer> expected = indexesByRegex(attributes, prefix, malformed);
      List<String> reported = new ArrayList<>();

      assertThat(new SpanAttributes(attributes, reported::add).indexes(prefix))
          .as("%s", attributes)
          .isEqualTo(expected);
      assertThat(reported).isEqualTo(malformed);
    }
  }
}
