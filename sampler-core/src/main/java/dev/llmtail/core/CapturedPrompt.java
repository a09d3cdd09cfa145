package dev.llmtail.core;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An LLM call's captured request as {@link LlmCall#inputText()} and {@link LlmCall#inputDigest()}
 * give it: its text (capped) and its digest, each made the first time it is read.
 *
 * <p>Why lazy: on every LLM span the normaliser made both — a {@code String} of up to 8 192
 * characters of the prompt and a hash of all of it — yet the shipped policies read the digest only
 * where a trace has two calls or more to compare, and the text only for a cold-cache check of a
 * large prompt, the decision log's content and {@code /debug}. Whether anything was captured is
 * known at once ({@link #captured}: the digest is {@code ""} exactly when not).
 *
 * <p>Thread-safe: a value is made by a pure function of what was captured (immutable: the stored
 * fragment's bytes or decoded strings) and published through a plain field, as {@code
 * String.hashCode} caches its hash; two threads reading it first may both make it, and get equal
 * strings. Equal when text and digest are equal, however they were made.
 */
public final class CapturedPrompt {

  /** Nothing captured. */
  public static final CapturedPrompt NONE = of("", "");

  /** Makes the text and the digest of a captured request when first asked. */
  public interface Source {
    /** The request's text, capped as {@link LlmCall#inputText()} says. */
    String text();

    /** The request's digest (never {@code ""}: something was captured). */
    String digest();

    /**
     * How many bytes the digest hashes, if known without making it (requests of different sizes are
     * different requests); -1 if not.
     */
    default long size() {
      return -1;
    }

    /**
     * Whether the request this source makes certainly differs from the one {@code other} makes,
     * told without making either digest (flattened messages of different numbers or sizes); false
     * when not known.
     */
    default boolean differsFrom(Source other) {
      return false;
    }
  }

  private final @Nullable Source source;
  private final boolean captured;
  private @Nullable String text;
  private @Nullable String digest;

  private CapturedPrompt(
      @Nullable Source source, boolean captured, @Nullable String text, @Nullable String digest) {
    this.source = source;
    this.captured = captured;
    this.text = text;
    this.digest = digest;
  }

  /** A request whose text and digest are already made; {@code ""} for none. */
  public static CapturedPrompt of(String text, String digest) {
    return new CapturedPrompt(
        null,
        !digest.isEmpty(),
        Objects.requireNonNullElse(text, ""),
        Objects.requireNonNullElse(digest, ""));
  }

  /** A captured request whose text and digest {@code source} makes when they are first read. */
  public static CapturedPrompt lazy(Source source) {
    return new CapturedPrompt(Objects.requireNonNull(source, "source"), true, null, null);
  }

  /** Whether a request was captured: {@link #digest()} is not {@code ""}. */
  public boolean captured() {
    return captured;
  }

  /** The captured text, capped; {@code ""} if none. */
  public String text() {
    String t = text;
    if (t == null) {
      t = Objects.requireNonNull(source).text();
      text = t;
    }
    return t;
  }

  /** The digest of the whole request; {@code ""} if nothing was captured. */
  public String digest() {
    String d = digest;
    if (d == null) {
      d = Objects.requireNonNull(source).digest();
      digest = d;
    }
    return d;
  }

  /**
   * Whether this and {@code other} are the same request: equal digests. Two calls' requests are
   * compared only to find repeats, which are rare; where both sizes are known and differ, or a
   * source tells they differ ({@link Source#differsFrom}), the answer is no without making either
   * digest.
   */
  public boolean sameRequest(CapturedPrompt other) {
    if (captured != other.captured) {
      return false;
    }
    if (source != null && other.source != null) {
      long size = source.size();
      long otherSize = other.source.size();
      if ((size >= 0 && otherSize >= 0 && size != otherSize) || source.differsFrom(other.source)) {
        return false;
      }
    }
    return digest().equals(other.digest());
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof CapturedPrompt p
        && captured == p.captured
        && text().equals(p.text())
        && digest().equals(p.digest());
  }

  @Override
  public int hashCode() {
    return 31 * text().hashCode() + digest().hashCode();
  }

  @Override
  public String toString() {
    return "CapturedPrompt[text=" + text() + ", digest=" + digest() + "]";
  }
}
