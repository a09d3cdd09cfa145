package dev.llmtail.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CapturedPromptTest {

  /**
   * A source that counts what it was asked to make, of a size (-1: unknown) and told apart from one
   * other source.
   */
  private static final class Counting implements CapturedPrompt.Source {
    final AtomicInteger texts = new AtomicInteger();
    final AtomicInteger digests = new AtomicInteger();
    private final long size;
    private final Object unlike;

    Counting() {
      this(-1, new Object());
    }

    Counting(long size, Object unlike) {
      this.size = size;
      this.unlike = unlike;
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public boolean differsFrom(CapturedPrompt.Source other) {
      return other == unlike;
    }

    @Override
    public String text() {
      texts.incrementAndGet();
      return "the prompt";
    }

    @Override
    public String digest() {
      digests.incrementAndGet();
      return "0123abcd";
    }
  }

  @Test
  void makesTextAndDigestOnlyWhenFirstRead() {
    Counting source = new Counting();
    CapturedPrompt prompt = CapturedPrompt.lazy(source);

    assertThat(prompt.captured()).isTrue();
    assertThat(source.texts).hasValue(0);
    assertThat(source.digests).hasValue(0);

    assertThat(prompt.digest()).isEqualTo("0123abcd");
    assertThat(prompt.digest()).isEqualTo("0123abcd");
    assertThat(source.digests).hasValue(1);
    assertThat(source.texts).hasValue(0);

    assertThat(prompt.text()).isEqualTo("the prompt");
    assertThat(prompt.text()).isEqualTo("the prompt");
    assertThat(source.texts).hasValue(1);
  }

  @Test
  void equalsThePromptMadeAtOnceWithTheSameTextAndDigest() {
    CapturedPrompt lazy = CapturedPrompt.lazy(new Counting());
    CapturedPrompt eager = CapturedPrompt.of("the prompt", "0123abcd");

    assertThat(lazy).isEqualTo(eager).hasSameHashCodeAs(eager);
    assertThat(lazy).isNotEqualTo(CapturedPrompt.of("the prompt", "ffff"));
  }

  /** A source of one digest and size. */
  private record Sized(String digest, long size) implements CapturedPrompt.Source {
    @Override
    public String text() {
      return "";
    }
  }

  @Test
  void requestsAreTheSameWhenTheirDigestsAre() {
    CapturedPrompt one = CapturedPrompt.lazy(new Sized("aa", 10));

    assertThat(one.sameRequest(CapturedPrompt.lazy(new Sized("aa", 10)))).isTrue();
    assertThat(one.sameRequest(CapturedPrompt.lazy(new Sized("bb", 10)))).isFalse();
    assertThat(one.sameRequest(CapturedPrompt.of("", "aa"))).isTrue();
    assertThat(one.sameRequest(CapturedPrompt.lazy(new Sized("aa", -1)))).isTrue();
    assertThat(one.sameRequest(CapturedPrompt.NONE)).isFalse();
    assertThat(CapturedPrompt.NONE.sameRequest(CapturedPrompt.of("", ""))).isTrue();
  }

  @Test
  void requestsOfDifferentSizesAreComparedWithoutTheirDigests() {
    Counting counted = new Counting(10, new Object());
    CapturedPrompt one = CapturedPrompt.lazy(counted);

    assertThat(one.sameRequest(CapturedPrompt.lazy(new Sized("0123abcd", 11)))).isFalse();
    assertThat(counted.digests).hasValue(0);
    assertThat(one.sameRequest(CapturedPrompt.lazy(new Sized("0123abcd", 10)))).isTrue();
    assertThat(counted.digests).hasValue(1);
  }

  @Test
  void requestsASourceTellsApartAreComparedWithoutTheirDigests() {
    CapturedPrompt.Source other = new Sized("0123abcd", -1);
    Counting counted = new Counting(-1, other);
    CapturedPrompt one = CapturedPrompt.lazy(counted);

    assertThat(one.sameRequest(CapturedPrompt.lazy(other))).isFalse();
    assertThat(counted.digests).hasValue(0);
    assertThat(one.sameRequest(CapturedPrompt.lazy(new Sized("0123abcd", -1)))).isTrue();
    assertThat(counted.digests).hasValue(1);
  }

  @Test
  void nothingCapturedHasAnEmptyDigest() {
    assertThat(CapturedPrompt.NONE.captured()).isFalse();
    assertThat(CapturedPrompt.NONE.digest()).isEmpty();
    assertThat(CapturedPrompt.of("", "").captured()).isFalse();
  }

  @Test
  void aCallReadsItsPromptThroughIt() {
    CapturedPrompt prompt = CapturedPrompt.of("the prompt", "0123abcd");
    LlmCall call =
        new LlmCall(
            "0000000000000002",
            "chat",
            "openai",
            "gpt-4o",
            "",
            "chat",
            false,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            "",
            false,
            true,
            null,
            "",
            prompt,
            "",
            1,
            2,
            false);

    assertThat(call.inputText()).isEqualTo("the prompt");
    assertThat(call.inputDigest()).isEqualTo("0123abcd");
    assertThat(call.prompt()).isSameAs(prompt);
  }
}
