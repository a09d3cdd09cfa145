package dev.llmtail.core.ingest;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks an encoded protobuf message of one type the way protobuf-java's parser would, without
 * building it: every field is walked, string fields must be UTF-8 and embedded messages are checked
 * by their own type, down to the parser's nesting limit; anything else is skipped as the parser
 * skips unknown fields (which also checks varints, lengths and group tags).
 *
 * <p>Design. The fields of each type come from its protobuf descriptor once, at class loading, so a
 * new OTLP field is checked like the parser checks it. A field whose wire type does not match its
 * declared type is an unknown field to protobuf-java and skipped here too. OTLP is proto3, where
 * every {@code string} field must be UTF-8. Immutable and thread-safe.
 */
final class WireCheck {

  /** protobuf-java's default recursion limit: deeper requests are refused as the parser would. */
  static final int MAX_DEPTH = 100;

  // Every other field (kind 0) is skipped as the parser skips unknown fields.
  private static final byte STRING = 1;
  private static final byte MESSAGE = 2;

  /** Every type of an OTLP traces request, filled once at class loading, read-only after. */
  private static final Map<Descriptor, WireCheck> CHECKS = new HashMap<>();

  static {
    register(TracesData.getDescriptor());
  }

  private final byte[] kinds;
  private final WireCheck[] nested;

  private WireCheck(Descriptor type) {
    int max = 0;
    for (FieldDescriptor f : type.getFields()) {
      max = Math.max(max, f.getNumber());
    }
    kinds = new byte[max + 1];
    nested = new WireCheck[max + 1];
  }

  /** The check of messages of {@code type}, a type of an OTLP traces request. */
  static WireCheck of(Descriptor type) {
    WireCheck check = CHECKS.get(type);
    if (check == null) {
      throw new IllegalArgumentException(
          type.getFullName() + " is not part of an OTLP traces request (expected: TracesData)");
    }
    return check;
  }

  private static WireCheck register(Descriptor type) {
    WireCheck known = CHECKS.get(type);
    if (known != null) {
      return known;
    }
    // Registered before its fields are filled in: OTLP's AnyValue and KeyValue embed each other.
    WireCheck check = new WireCheck(type);
    CHECKS.put(type, check);
    for (FieldDescriptor f : type.getFields()) {
      if (f.getType() == FieldDescriptor.Type.STRING) {
        check.kinds[f.getNumber()] = STRING;
      } else if (f.getType() == FieldDescriptor.Type.MESSAGE) {
        check.kinds[f.getNumber()] = MESSAGE;
        check.nested[f.getNumber()] = register(f.getMessageType());
      }
    }
    return check;
  }

  /**
   * Checks one field of a message of this type whose tag was just read; {@code depth} is how many
   * messages enclose the field (0 in the outermost message).
   */
  void field(CodedInputStream in, byte[] buf, int tag, int depth) throws IOException {
    int number = WireFormat.getTagFieldNumber(tag);
    if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED
        && number < kinds.length) {
      if (kinds[number] == STRING) {
        int length = in.readRawVarint32();
        int start = in.getTotalBytesRead();
        in.skipRawBytes(length);
        requireUtf8(buf, start, length);
        return;
      }
      if (kinds[number] == MESSAGE) {
        int length = in.readRawVarint32();
        nested[number].embedded(in, buf, length, depth);
        return;
      }
    }
    if (!in.skipField(tag)) {
      throw new InvalidProtocolBufferException(
          "Protocol message end-group tag did not match expected tag.");
    }
  }

  /**
   * Checks a message of this type embedded in a field read at {@code depth}, whose {@code length}
   * was just read: the next {@code length} bytes.
   */
  void embedded(CodedInputStream in, byte[] buf, int length, int depth) throws IOException {
    int outer = enter(in, length, depth);
    int tag;
    while ((tag = in.readTag()) != 0) {
      field(in, buf, tag, depth + 1);
    }
    in.popLimit(outer);
  }

  /**
   * Enters an embedded message of {@code length} bytes read at {@code depth}, as the parser would:
   * refused past {@link #MAX_DEPTH}; returns the limit to pop when leaving it.
   */
  static int enter(CodedInputStream in, int length, int depth)
      throws InvalidProtocolBufferException {
    if (depth >= MAX_DEPTH) {
      throw new InvalidProtocolBufferException(
          "Protocol message had too many levels of nesting (more than "
              + MAX_DEPTH
              + ", protobuf's limit)");
    }
    return in.pushLimit(length);
  }

  /**
   * Refuses a string field whose bytes are not UTF-8, as proto3 parsing does. ({@link Utf8Bytes}
   * allocates nothing; protobuf's own check is not public, and wrapping the range in a {@code
   * ByteString} to reach it cost an object per string field.)
   */
  static void requireUtf8(byte[] buf, int start, int length) throws InvalidProtocolBufferException {
    if (length > 0 && !Utf8Bytes.isWellFormed(buf, start, length)) {
      throw new InvalidProtocolBufferException("Protocol message had invalid UTF-8.");
    }
  }
}
