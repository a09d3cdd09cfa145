package dev.llmtail.policies.genai;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * A captured string value as its UTF-8 bytes, trimmed as {@link String#trim()} trims it, for the
 * readers that parse or hash captured text without making it a {@code String} first.
 *
 * <p>Trimming the bytes is trimming the characters: {@code trim} drops characters up to U+0020,
 * each a single byte in UTF-8, and every byte of a longer character is negative. Only a value whose
 * first kept byte is visible ASCII is taken ({@link #trimmed}), so that the value is certainly not
 * blank and the bytes are what {@code SpanAttributes.text} would return, encoded; the rest (blank,
 * or starting with a character that may be Unicode white space) is left to the {@code String}
 * readers. The array is the span's: read, never written.
 */
final class Utf8Text {

  private final byte[] bytes;
  private final int start;
  private final int end;

  private Utf8Text(byte[] bytes, int start, int end) {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
  }

  /**
   * {@code v}'s string trimmed, as bytes, if it is a string that starts with visible ASCII once
   * trimmed; null otherwise. A value the decoder left as bytes is not copied.
   */
  static @Nullable Utf8Text trimmed(AnyValue v) {
    if (!v.hasStringValue()) {
      return null;
    }
    Utf8Text all = of(v.getStringValueBytes());
    int from = all.start;
    int to = all.end;
    while (from < to && (all.bytes[from] & 0xFF) <= ' ') {
      from++;
    }
    while (to > from && (all.bytes[to - 1] & 0xFF) <= ' ') {
      to--;
    }
    return from == to || all.bytes[from] < 0 ? null : new Utf8Text(all.bytes, from, to);
  }

  /** The bytes of {@code utf8}: its own array if it has one, else a copy. */
  private static Utf8Text of(ByteString utf8) {
    OneArray out = new OneArray();
    try {
      UnsafeByteOperations.unsafeWriteTo(utf8, out);
    } catch (IOException e) {
      throw new UncheckedIOException("a ByteString written to memory cannot fail", e);
    }
    if (!out.other && out.bytes != null && out.length == utf8.size()) {
      return new Utf8Text(out.bytes, out.offset, out.offset + out.length);
    }
    byte[] copy = utf8.toByteArray(); // not backed by one array (not what the decoder makes)
    return new Utf8Text(copy, 0, copy.length);
  }

  byte[] bytes() {
    return bytes;
  }

  int start() {
    return start;
  }

  int length() {
    return end - start;
  }

  /** The byte at {@code i} from the start. */
  byte at(int i) {
    return bytes[start + i];
  }

  /** Whether the bytes are those of {@code ascii}. */
  boolean isAscii(String ascii) {
    if (ascii.length() != end - start) {
      return false;
    }
    for (int i = 0; i < ascii.length(); i++) {
      if (bytes[start + i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** The text as a {@code String}. */
  String string() {
    return new String(bytes, start, end - start, StandardCharsets.UTF_8);
  }

  /**
   * The first {@code maxChars} characters of the text (all of it if shorter): decoding only those
   * when they are ASCII, as most captured text is, rather than all of a longer text and copying its
   * start.
   */
  String capped(int maxChars) {
    if (end - start <= maxChars) {
      return string(); // no more characters than bytes
    }
    for (int i = start; i < start + maxChars; i++) {
      if (bytes[i] < 0) {
        String all = string();
        return all.length() <= maxChars ? all : all.substring(0, maxChars);
      }
    }
    return new String(bytes, start, maxChars, StandardCharsets.ISO_8859_1);
  }

  /** Where a {@code ByteString} keeps its bytes, when it keeps them in one array. */
  private static final class OneArray extends ByteOutput {
    private byte @Nullable [] bytes;
    private int offset;
    private int length;
    private boolean other; // written otherwise than as one array given to keep

    @Override
    public void write(byte value) {
      other = true;
    }

    @Override
    public void write(byte[] value, int offset, int length) {
      other = true; // an array lent for the call only
    }

    @Override
    public void writeLazy(byte[] value, int offset, int length) {
      other |= bytes != null;
      this.bytes = value;
      this.offset = offset;
      this.length = length;
    }

    @Override
    public void write(ByteBuffer value) {
      other = true;
    }

    @Override
    public void writeLazy(ByteBuffer value) {
      other = true;
    }
  }
}
