package dev.llmtail.core.buffer;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes a stored fragment (an encoded {@code ResourceSpans}) into the message {@code
 * ResourceSpans.parseFrom} returns, allocating less: what the decision does once per span.
 *
 * <p>Why not {@code parseFrom} alone: protobuf's generated parser builds every message through a
 * new builder, and every embedded message through a field builder and its parent link as well, so
 * an attribute cost six objects besides its key, value and strings — about a third of what the
 * decode allocated on the mix input. This decoder reads the span path itself (resource spans, scope
 * spans, spans, attributes, status), reusing one builder of each kind for every span of the
 * fragment, and shares short ASCII strings through {@link DecodedStrings}.
 *
 * <p>Equality with {@code parseFrom}: the fast path takes only the plain shape — the fields OTLP
 * defines, each embedded message at most once, attribute values of one scalar field. Any other
 * input (unknown or repeated message fields, odd wire types, damaged bytes) is decoded by {@code
 * ResourceSpans.parseFrom} from the start, so the result, or the exception, is protobuf's. The
 * parts left to generated parsers (resource, scope, events, links, array and map values) are parsed
 * with the nesting limit they would have inside the whole message.
 *
 * <p>Not thread-safe: one instance per decision (its builders are reused); cheap to create.
 */
final class FragmentDecoder {

  /** Protobuf's nesting limit for embedded messages, as {@code CodedInputStream} applies it. */
  private static final int NESTING_LIMIT = 100;

  // Nesting depth of each message's fields in a ResourceSpans, as protobuf counts it.
  private static final int RESOURCE_DEPTH = 1;
  private static final int SCOPE_DEPTH = 2;
  private static final int SPAN_PART_DEPTH = 3;
  private static final int VALUE_DEPTH = 4;

  /** Shortest string value kept as its bytes until read (see {@link #value(AnyValue.Builder)}). */
  static final int LAZY_FROM = 256;

  private static final DecodedStrings STRINGS = new DecodedStrings();

  private final Span.Builder span = Span.newBuilder();
  private final KeyValue.Builder attribute = KeyValue.newBuilder();
  private final AnyValue.Builder value = AnyValue.newBuilder();
  private final Status.Builder status = Status.newBuilder();
  // A span's attributes, handed to its builder at once: one array of the right size per span.
  private final List<KeyValue> attributes = new ArrayList<>();
  private static final byte[] NONE = new byte[0];

  // The fragment being decoded.
  private byte[] bytes = NONE;
  private CodedInputStream in = CodedInputStream.newInstance(NONE);

  /** Decodes {@code encoded} as {@code ResourceSpans.parseFrom(encoded)} would. */
  ResourceSpans decode(byte[] encoded) throws InvalidProtocolBufferException {
    bytes = encoded;
    in = CodedInputStream.newInstance(encoded);
    try {
      return resourceSpans();
    } catch (IOException | PlainShapeOnly e) {
      return ResourceSpans.parseFrom(encoded);
    }
  }

  private ResourceSpans resourceSpans() throws IOException, PlainShapeOnly {
    ResourceSpans.Builder out = ResourceSpans.newBuilder();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case 10 -> {
          onlyOnce(out.hasResource());
          out.setResource(generated(Resource.parser(), RESOURCE_DEPTH));
        }
        case 18 -> out.addScopeSpans(scopeSpans());
        case 26 -> out.setSchemaUrl(string(false));
        default -> throw new PlainShapeOnly();
      }
    }
    return out.build();
  }

  private ScopeSpans scopeSpans() throws IOException, PlainShapeOnly {
    ScopeSpans.Builder out = ScopeSpans.newBuilder();
    int limit = in.pushLimit(in.readRawVarint32());
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case 10 -> {
          onlyOnce(out.hasScope());
          out.setScope(generated(InstrumentationScope.parser(), SCOPE_DEPTH));
        }
        case 18 -> out.addSpans(span());
        case 26 -> out.setSchemaUrl(string(false));
        default -> throw new PlainShapeOnly();
      }
    }
    in.popLimit(limit);
    return out.build();
  }

  private Span span() throws IOException, PlainShapeOnly {
    Span.Builder out = span.clear();
    attributes.clear();
    int limit = in.pushLimit(in.readRawVarint32());
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case 10 -> out.setTraceId(in.readBytes());
        case 18 -> out.setSpanId(in.readBytes());
        case 26 -> out.setTraceState(string(false));
        case 34 -> out.setParentSpanId(in.readBytes());
        case 42 -> out.setName(string(true));
        case 48 -> out.setKindValue(in.readEnum());
        case 57 -> out.setStartTimeUnixNano(in.readFixed64());
        case 65 -> out.setEndTimeUnixNano(in.readFixed64());
        case 74 -> attributes.add(attribute());
        case 80 -> out.setDroppedAttributesCount(in.readUInt32());
        case 90 -> out.addEvents(generated(Span.Event.parser(), SPAN_PART_DEPTH));
        case 96 -> out.setDroppedEventsCount(in.readUInt32());
        case 106 -> out.addLinks(generated(Span.Link.parser(), SPAN_PART_DEPTH));
        case 112 -> out.setDroppedLinksCount(in.readUInt32());
        case 122 -> {
          onlyOnce(out.hasStatus());
          out.setStatus(status());
        }
        case 133 -> out.setFlags(in.readFixed32());
        default -> throw new PlainShapeOnly();
      }
    }
    in.popLimit(limit);
    return out.addAllAttributes(attributes).build();
  }

  private KeyValue attribute() throws IOException, PlainShapeOnly {
    KeyValue.Builder out = attribute.clear();
    int limit = in.pushLimit(in.readRawVarint32());
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case 10 -> out.setKey(string(true));
        case 18 -> {
          onlyOnce(out.hasValue());
          out.setValue(value());
        }
        default -> throw new PlainShapeOnly();
      }
    }
    in.popLimit(limit);
    return out.build();
  }

  /** A value of one scalar field here; arrays, maps, bytes and the rest by protobuf's parser. */
  private AnyValue value() throws IOException, PlainShapeOnly {
    int length = in.readRawVarint32();
    int start = in.getTotalBytesRead();
    int limit = in.pushLimit(length);
    AnyValue.Builder out = value.clear();
    switch (in.readTag()) {
      case 10 -> value(out);
      case 16 -> out.setBoolValue(in.readBool());
      case 24 -> out.setIntValue(in.readInt64());
      case 33 -> out.setDoubleValue(in.readDouble());
      default -> {
        in.popLimit(limit);
        return generated(AnyValue.parser(), start, length, VALUE_DEPTH);
      }
    }
    if (in.readTag() != 0) {
      throw new PlainShapeOnly(); // a second field of the oneof: protobuf's rules
    }
    in.popLimit(limit);
    return out.build();
  }

  /**
   * A string value: a long one as its bytes, wrapped, not decoded ({@code getStringValue} decodes
   * it when something reads it, once; the captured-text readers parse the bytes); a short one
   * decoded now. Long values are the prompts and outputs of 2–8 KiB that LLM spans capture: their
   * Strings were a quarter of what llmtail allocated on the llm input (JFR), and an output is read
   * only as UTF-8 JSON. Wrapping a short one would cost more than it saves. Checked as protobuf
   * checks a string (valid UTF-8, or {@code parseFrom}'s exception). The wrapped array is the
   * stored fragment, never written once stored, so the value cannot change under its reader.
   */
  private void value(AnyValue.Builder out) throws IOException, PlainShapeOnly {
    int length = in.readRawVarint32();
    if (length < LAZY_FROM) {
      out.setStringValue(string(length, false));
      return;
    }
    int start = in.getTotalBytesRead();
    if (length > bytes.length - start) {
      throw new PlainShapeOnly();
    }
    try {
      // the builder checks the bytes are UTF-8, as parseFrom would (a second check here was 6 %
      // of the decision path's CPU on the llm input: a pass over every prompt and output)
      out.setStringValueBytes(UnsafeByteOperations.unsafeWrap(bytes, start, length));
    } catch (IllegalArgumentException notUtf8) {
      throw new PlainShapeOnly();
    }
    in.skipRawBytes(length);
  }

  private Status status() throws IOException, PlainShapeOnly {
    Status.Builder out = status.clear();
    int limit = in.pushLimit(in.readRawVarint32());
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case 18 -> out.setMessage(string(false));
        case 24 -> out.setCodeValue(in.readEnum());
        default -> throw new PlainShapeOnly();
      }
    }
    in.popLimit(limit);
    return out.build();
  }

  /**
   * A UTF-8 string field, checked as protobuf checks it; {@code shared}: a short ASCII one shared
   * through {@link DecodedStrings}. Keys and span names only: values repeat less, and sharing them
   * measured slower than decoding them (the mix's decode: 680 ns per span with keys and names
   * shared, 850 with values too, 750 without the decoder).
   */
  private String string(boolean shared) throws IOException, PlainShapeOnly {
    return string(in.readRawVarint32(), shared);
  }

  private String string(int length, boolean shared) throws IOException, PlainShapeOnly {
    int start = in.getTotalBytesRead();
    if (length < 0 || length > bytes.length - start) {
      throw new PlainShapeOnly();
    }
    String s = shared ? STRINGS.ascii(bytes, start, length) : null;
    if (s == null) {
      // Protobuf's own check: the JDK's decoder replaces what is not UTF-8 with U+FFFD, so only
      // a string holding U+FFFD is encoded again and compared.
      s = new String(bytes, start, length, StandardCharsets.UTF_8);
      if (s.indexOf('\uFFFD') >= 0) {
        byte[] again = s.getBytes(StandardCharsets.UTF_8);
        if (!Arrays.equals(again, 0, again.length, bytes, start, start + length)) {
          throw new PlainShapeOnly();
        }
      }
    }
    in.skipRawBytes(length);
    return s;
  }

  /** The next length-delimited field parsed by {@code parser}. */
  private <T> T generated(Parser<T> parser, int depth) throws IOException, PlainShapeOnly {
    int length = in.readRawVarint32();
    return generated(parser, in.getTotalBytesRead(), length, depth);
  }

  /**
   * The message of {@code length} bytes at {@code start}, parsed by {@code parser} with the nesting
   * it would have at {@code depth} of the whole message; the stream moves past it.
   */
  private <T> T generated(Parser<T> parser, int start, int length, int depth)
      throws IOException, PlainShapeOnly {
    if (length < 0 || length > bytes.length - start) {
      throw new PlainShapeOnly(); // cut short: protobuf's exception
    }
    CodedInputStream part = CodedInputStream.newInstance(bytes, start, length);
    part.setRecursionLimit(NESTING_LIMIT - depth);
    T message = parser.parseFrom(part);
    part.checkLastTagWas(0);
    in.skipRawBytes(length - (in.getTotalBytesRead() - start));
    return message;
  }

  private static void onlyOnce(boolean seen) throws PlainShapeOnly {
    if (seen) {
      throw new PlainShapeOnly(); // protobuf merges a repeated embedded message
    }
  }

  /** The input is not of the plain shape: decode it with {@code parseFrom} instead. */
  private static final class PlainShapeOnly extends Exception {
    private static final long serialVersionUID = 1L;

    PlainShapeOnly() {
      // No stack trace: a signal, caught two frames up, never shown.
      super("not the plain shape", null, false, false);
    }
  }
}
