package dev.llmtail.policies.genai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * A list item's quotes are taken off as {@code replaceAll("^[\"']|[\"']$", "")} took them off, on
 * trimmed random text of quotes, letters, spaces and the line ends {@code trim} leaves.
 */
class UnquotedPropertiesTest {

  private static final char[] CHARS = {'"', '\'', 'a', 'b', ' ', ',', '\u0085', '\u2028', '\u2029'};

  @Property(tries = 5000)
  void takesOffQuotesAsTheRegularExpressionDid(@ForAll long seed) {
    Random rnd = new Random(seed);
    StringBuilder b = new StringBuilder();
    for (int i = rnd.nextInt(6); i > 0; i--) {
      b.append(CHARS[rnd.nextInt(CHARS.length)]);
    }
    String part = b.toString().trim();

    assertThat(ListItems.unquoted(part))
        .as("%s", part)
        .isEqualTo(part.replaceAll("^[\"']|[\"']$", ""));
  }
}
