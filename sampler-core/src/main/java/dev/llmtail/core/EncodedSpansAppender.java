package dev.llmtail.core;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Appends the same attributes to every span of an encoded {@code ResourceSpans} without parsing it
 * into messages.
 *
 * <p>Protobuf merges a repeated field's occurrences in order, so {@code Span.attributes} entries
 * written after a span's last byte parse as if they had been added last: the result equals, as a
 * parsed message, {@code span.toBuilder().addAllAttributes(extra)}. Only the length prefixes of the
 * enclosing {@code Span}, {@code ScopeSpans} and the returned array change; every other byte,
 * unknown fields included, is copied as it came. Two passes: the first works out the new lengths so
 * that the second writes into one exactly sized array.
 */
final class EncodedSpansAppender {

  private static final int SCOPE_SPANS = lengthDelimited(ResourceSpans.SCOPE_SPANS_FIELD_NUMBER);
  private static final int SPANS = lengthDelimited(ScopeSpans.SPANS_FIELD_NUMBER);

  private final byte[] extra;

  /** Appends {@code attributes}, in this order, to each span. */
  EncodedSpansAppender(List<KeyValue> attributes) {
    int size = 0;
    for (KeyValue kv : attributes) {
      size += CodedOutputStream.computeMessageSize(Span.ATTRIBUTES_FIELD_NUMBER, kv);
    }
    this.extra = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(extra);
    try {
      for (KeyValue kv : attributes) {
        out.writeMessage(Span.ATTRIBUTES_FIELD_NUMBER, kv);
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("writing into an array of the computed size", e);
    }
  }

  /**
   * Returns {@code resourceSpans} (an encoded {@code ResourceSpans}) with the attributes appended
   * to each of its spans.
   *
   * @throws IllegalArgumentException if the bytes are not an encoded {@code ResourceSpans}
   */
  byte[] append(byte[] resourceSpans) {
    try {
      int[] scopeLengths = new int[count(resourceSpans)];
      int size = newLengths(resourceSpans, scopeLengths);
      byte[] out = new byte[size];
      write(resourceSpans, scopeLengths, CodedOutputStream.newInstance(out));
      return out;
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "span bytes are not an encoded ResourceSpans ("
              + resourceSpans.length
              + " bytes): "
              + e.getMessage(),
          e);
    }
  }

  /** How many {@code scope_spans} the resource holds. */
  private static int count(byte[] resourceSpans) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(resourceSpans);
    int n = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == SCOPE_SPANS) {
        n++;
      }
      in.skipField(tag);
    }
    return n;
  }

  /** Fills in each scope's new length; returns the resource's new length. */
  private int newLengths(byte[] resourceSpans, int[] scopeLengths) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(resourceSpans);
    int size = resourceSpans.length;
    int scope = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag != SCOPE_SPANS) {
        in.skipField(tag);
        continue;
      }
      int length = in.readRawVarint32();
      int limit = in.pushLimit(length);
      int grown = length;
      for (int inner = in.readTag(); inner != 0; inner = in.readTag()) {
        if (inner != SPANS) {
          in.skipField(inner);
          continue;
        }
        int spanLength = in.readRawVarint32();
        in.skipRawBytes(spanLength);
        grown += grownBy(spanLength, spanLength + extra.length);
      }
      in.popLimit(limit);
      scopeLengths[scope++] = grown;
      size += grownBy(length, grown);
    }
    return size;
  }

  private void write(byte[] resourceSpans, int[] scopeLengths, CodedOutputStream out)
      throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(resourceSpans);
    int scope = 0;
    while (true) {
      int start = in.getTotalBytesRead();
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      if (tag != SCOPE_SPANS) {
        copyField(resourceSpans, start, tag, in, out);
        continue;
      }
      int limit = in.pushLimit(in.readRawVarint32());
      out.writeUInt32NoTag(tag);
      out.writeUInt32NoTag(scopeLengths[scope++]);
      while (true) {
        int innerStart = in.getTotalBytesRead();
        int inner = in.readTag();
        if (inner == 0) {
          break;
        }
        if (inner != SPANS) {
          copyField(resourceSpans, innerStart, inner, in, out);
          continue;
        }
        int spanLength = in.readRawVarint32();
        out.writeUInt32NoTag(inner);
        out.writeUInt32NoTag(spanLength + extra.length);
        out.write(resourceSpans, in.getTotalBytesRead(), spanLength);
        in.skipRawBytes(spanLength);
        out.writeRawBytes(extra);
      }
      in.popLimit(limit);
    }
    out.checkNoSpaceLeft();
  }

  /** Copies a field, its tag (read from {@code start}) included, as it came. */
  private static void copyField(
      byte[] source, int start, int tag, CodedInputStream in, CodedOutputStream out)
      throws IOException {
    in.skipField(tag);
    out.write(source, start, in.getTotalBytesRead() - start);
  }

  /**
   * How much a length-delimited field grows when its content goes from {@code from} to {@code to}.
   */
  private static int grownBy(int from, int to) {
    return to
        - from
        + CodedOutputStream.computeUInt32SizeNoTag(to)
        - CodedOutputStream.computeUInt32SizeNoTag(from);
  }

  /** The tag of a length-delimited field (WireFormat.makeTag is not public). */
  private static int lengthDelimited(int fieldNumber) {
    return fieldNumber << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }
}
