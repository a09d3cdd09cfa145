package dev.llmtail.server.promotion;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Reads {@link LateEvidence#carries(dev.llmtail.core.ingest.TraceFragment)}'s answer from a
 * fragment's encoded {@code ResourceSpans}, without building its messages.
 *
 * <p>Why. The buffer asks for the first fragment of every new trace; parsing it into messages cost
 * about a sixth of what llmtail allocated with the span log (JFR of the bench's span-log row, mix
 * input). This walks the tags and lengths down to the three things it looks at — each span's status
 * code, its attributes' keys, its events' names — and compares keys and names as bytes. A field
 * that occurs more than once is read as protobuf's parser reads it: the last key or name wins, and
 * a repeated status is merged (a later status without a code keeps the earlier code). Everything
 * else is skipped with {@link CodedInputStream#skipField}, as the parser skips unknown fields. The
 * bytes were checked as protobuf checks them when the request was read, so a read failure here is a
 * bug.
 */
final class EncodedEvidence {

  private static final int SCOPE_SPANS = tag(2); // ResourceSpans.scope_spans
  private static final int SPANS = tag(2); // ScopeSpans.spans
  private static final int ATTRIBUTES = tag(9); // Span.attributes
  private static final int EVENTS = tag(11); // Span.events
  private static final int STATUS = tag(15); // Span.status
  private static final int STATUS_CODE = 3 << 3 | WireFormat.WIRETYPE_VARINT; // Status.code
  private static final int STATUS_CODE_ERROR = 2;
  private static final int KEY = tag(1); // KeyValue.key
  private static final int EVENT_NAME = tag(2); // Span.Event.name

  private static final byte[] EVALUATION_RESULT = ascii("gen_ai.evaluation.result");

  private final byte[][] prefixes;

  /**
   * @param resultPrefixes attribute key prefixes (ASCII) of evaluator, guardrail and feedback
   *     results
   */
  EncodedEvidence(List<String> resultPrefixes) {
    this.prefixes = resultPrefixes.stream().map(EncodedEvidence::ascii).toArray(byte[][]::new);
  }

  /** Whether a span of the encoded {@code ResourceSpans} failed or carries a result. */
  boolean carries(byte[] resourceSpans) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(resourceSpans);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag != SCOPE_SPANS) {
        in.skipField(tag);
        continue;
      }
      int outer = in.pushLimit(in.readRawVarint32());
      for (int t = in.readTag(); t != 0; t = in.readTag()) {
        if (t != SPANS) {
          in.skipField(t);
          continue;
        }
        int scope = in.pushLimit(in.readRawVarint32());
        if (spanCarries(in, resourceSpans, prefixes)) {
          return true;
        }
        in.popLimit(scope);
      }
      in.popLimit(outer);
    }
    return false;
  }

  /** Reads one span up to its limit. */
  private static boolean spanCarries(CodedInputStream in, byte[] bytes, byte[][] prefixes)
      throws IOException {
    int code = 0;
    boolean carries = false;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == ATTRIBUTES) {
        int limit = in.pushLimit(in.readRawVarint32());
        long key = lastString(in, KEY);
        carries |= startsWithAny(bytes, key, prefixes);
        in.popLimit(limit);
      } else if (tag == EVENTS) {
        int limit = in.pushLimit(in.readRawVarint32());
        long name = lastString(in, EVENT_NAME);
        carries |= equalsAt(bytes, name, EVALUATION_RESULT);
        in.popLimit(limit);
      } else if (tag == STATUS) {
        int limit = in.pushLimit(in.readRawVarint32());
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
          if (t == STATUS_CODE) {
            code = in.readEnum();
          } else {
            in.skipField(t);
          }
        }
        in.popLimit(limit);
      } else {
        in.skipField(tag);
      }
    }
    return carries || code == STATUS_CODE_ERROR;
  }

  /**
   * Reads a message up to its limit; returns where its last string field {@code tag} is, as offset
   * (high 32 bits) and length (low 32 bits), or -1 if it has none (the empty string).
   */
  private static long lastString(CodedInputStream in, int tag) throws IOException {
    long at = -1;
    for (int t = in.readTag(); t != 0; t = in.readTag()) {
      if (t == tag) {
        int length = in.readRawVarint32();
        at = ((long) in.getTotalBytesRead() << 32) | length;
        in.skipRawBytes(length);
      } else {
        in.skipField(t);
      }
    }
    return at;
  }

  private static boolean startsWithAny(byte[] bytes, long at, byte[][] prefixes) {
    if (at < 0) {
      return false;
    }
    int offset = (int) (at >>> 32);
    int length = (int) at;
    for (byte[] prefix : prefixes) {
      if (length >= prefix.length
          && Arrays.equals(bytes, offset, offset + prefix.length, prefix, 0, prefix.length)) {
        return true;
      }
    }
    return false;
  }

  private static boolean equalsAt(byte[] bytes, long at, byte[] expected) {
    if (at < 0) {
      return false;
    }
    int offset = (int) (at >>> 32);
    return (int) at == expected.length
        && Arrays.equals(bytes, offset, offset + expected.length, expected, 0, expected.length);
  }

  private static int tag(int field) {
    return field << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
