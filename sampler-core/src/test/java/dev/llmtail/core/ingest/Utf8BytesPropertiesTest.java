package dev.llmtail.core.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.base.Utf8;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@link Utf8Bytes} answers as Guava's {@link Utf8#isWellFormed} does, over any range of any bytes:
 * arbitrary bytes, valid text with one byte changed, and ASCII runs broken near the edges of its
 * eight-byte words and of the 32-byte steps over them.
 */
class Utf8BytesPropertiesTest {

  @Property(tries = 2000)
  void answersAsGuavaOnArbitraryBytes(
      @ForAll @Size(max = 64) byte[] bytes,
      @ForAll @IntRange(max = 64) int from,
      @ForAll @IntRange(max = 64) int to) {
    assertSameAsGuava(bytes, from, to);
  }

  @Property(tries = 2000)
  void answersAsGuavaOnTextWithOneByteChanged(
      @ForAll("text") String text,
      @ForAll @IntRange(max = 10_000) int at,
      @ForAll byte value,
      @ForAll @IntRange(max = 40) int from,
      @ForAll @IntRange(max = 40) int cutFromEnd) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > 0) {
      bytes[at % bytes.length] = value;
    }
    assertSameAsGuava(bytes, from, bytes.length - cutFromEnd);
  }

  @Property(tries = 1000)
  void answersAsGuavaOnValidText(@ForAll("text") String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    assertThat(Utf8Bytes.isWellFormed(bytes, 0, bytes.length)).isTrue();
  }

  @Test
  void refusesALeadByteWithoutItsContinuationAtEveryPlaceOfAnAsciiRun() {
    for (int length = 1; length < 72; length++) { // past two 32-byte steps
      for (int bad = 0; bad < length; bad++) {
        for (int start = 0; start < 9; start++) {
          byte[] bytes = new byte[start + length + 3];
          Arrays.fill(bytes, (byte) 'a');
          bytes[start + bad] = (byte) 0xC3; // 'é' is C3 A9: here followed by 'a' or the end
          assertThat(Utf8Bytes.isWellFormed(bytes, start, length))
              .as("length %d, bad byte at %d, from %d", length, bad, start)
              .isFalse();
          bytes[start + bad + 1] = (byte) 0xA9;
          assertThat(Utf8Bytes.isWellFormed(bytes, start, length))
              .as("'é' at %d of %d, from %d", bad, length, start)
              .isEqualTo(bad < length - 1);
        }
      }
    }
  }

  /** Mostly ASCII prompts with some Latin, CJK, emoji and the edges of the planes. */
  @Provide
  Arbitrary<String> text() {
    Arbitrary<String> ascii = Arbitraries.strings().ascii().ofMaxLength(300);
    Arbitrary<String> any = Arbitraries.strings().all().ofMaxLength(40);
    Arbitrary<String> chars =
        Arbitraries.of("é", "ß", "中文", "😀", "\u007f", "\u0080", "\u07ff", "\u0800", "\uffff")
            .list()
            .ofMaxSize(5)
            .map(l -> String.join("", l));
    return Combinators.combine(ascii, Arbitraries.oneOf(any, chars), ascii)
        .as((a, b, c) -> a + b + c);
  }

  private static void assertSameAsGuava(byte[] bytes, int from, int to) {
    int start = Math.min(from, bytes.length);
    int end = Math.max(start, Math.min(to, bytes.length));
    assertThat(Utf8Bytes.isWellFormed(bytes, start, end - start))
        .as("bytes [%d, %d) of %s", start, end, Arrays.toString(bytes))
        .isEqualTo(Utf8.isWellFormed(bytes, start, end - start));
  }
}
