package dev.llmtail.core.ingest;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Reads an encoded OTLP traces request ({@code ExportTraceServiceRequest}, or {@code TracesData},
 * which is encoded the same) without decoding it into messages: it walks tags and lengths with
 * protobuf's {@link CodedInputStream}, notes where each resource, scope and span lies in the bytes
 * and each span's ids, and checks the rest as protobuf's parser would ({@link WireCheck}). The
 * result, a {@link SlicedRequest}, is split into trace fragments by copying those bytes.
 *
 * <p>A body protobuf-java would refuse to parse is refused here with {@link
 * InvalidProtocolBufferException}: truncated, a malformed varint or tag, a mismatched group, a
 * string field that is not UTF-8, nesting past protobuf's limit. Spans with ids that are not valid
 * are rejected as {@link TraceGrouper} always did, and named in the rejection message (their name
 * is the only string ever built). Stateless and thread-safe.
 */
public final class TraceSlicer {

  private static final int RESOURCE_SPANS = tag(TracesData.RESOURCE_SPANS_FIELD_NUMBER);
  private static final int RESOURCE = tag(ResourceSpans.RESOURCE_FIELD_NUMBER);
  private static final int SCOPE_SPANS = tag(ResourceSpans.SCOPE_SPANS_FIELD_NUMBER);
  private static final int RESOURCE_SCHEMA_URL = tag(ResourceSpans.SCHEMA_URL_FIELD_NUMBER);
  private static final int SCOPE = tag(ScopeSpans.SCOPE_FIELD_NUMBER);
  private static final int SPANS = tag(ScopeSpans.SPANS_FIELD_NUMBER);
  private static final int SCOPE_SCHEMA_URL = tag(ScopeSpans.SCHEMA_URL_FIELD_NUMBER);
  private static final int TRACE_ID = tag(Span.TRACE_ID_FIELD_NUMBER);
  private static final int SPAN_ID = tag(Span.SPAN_ID_FIELD_NUMBER);
  private static final int PARENT_SPAN_ID = tag(Span.PARENT_SPAN_ID_FIELD_NUMBER);
  private static final int NAME = tag(Span.NAME_FIELD_NUMBER);
  private static final int END_TIME =
      Span.END_TIME_UNIX_NANO_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_FIXED64;

  private static final WireCheck REQUEST = WireCheck.of(TracesData.getDescriptor());
  private static final WireCheck RESOURCE_SPANS_CHECK = WireCheck.of(ResourceSpans.getDescriptor());
  private static final WireCheck RESOURCE_CHECK = WireCheck.of(Resource.getDescriptor());
  private static final WireCheck SCOPE_SPANS_CHECK = WireCheck.of(ScopeSpans.getDescriptor());
  private static final WireCheck SCOPE_CHECK = WireCheck.of(InstrumentationScope.getDescriptor());
  private static final WireCheck SPAN_CHECK = WireCheck.of(Span.getDescriptor());

  private TraceSlicer() {}

  /** The tag of length-delimited field {@code number}. */
  private static int tag(int number) {
    return number << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }

  /**
   * Walks an encoded {@code ExportTraceServiceRequest} (or {@code TracesData}); throws what
   * protobuf's parser would throw for it. {@code request} is not copied: it must not change while
   * the result is in use.
   */
  public static SlicedRequest slice(byte[] request) throws InvalidProtocolBufferException {
    return slice(request, request.length);
  }

  /**
   * Walks the encoded request in {@code request[0, size)}, e.g. a body read into a reused array
   * longer than it; the bytes after {@code size} are never read. The array must not change while
   * the result is in use; its fragments ({@link SlicedRequest#group()}) are copies and outlive it.
   */
  public static SlicedRequest slice(byte[] request, int size)
      throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(request, 0, size);
    SlicedRequest out = new SlicedRequest(request);
    try {
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (tag == RESOURCE_SPANS) {
          int length = in.readRawVarint32();
          int outer = WireCheck.enter(in, length, 0);
          resourceSpans(in, out, 1);
          in.popLimit(outer);
        } else {
          REQUEST.field(in, request, tag, 0);
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      // A CodedInputStream over an array throws nothing else; kept a parse failure regardless.
      throw new InvalidProtocolBufferException(e);
    }
    return out;
  }

  /** Walks one encoded {@code ResourceSpans}, e.g. a fragment read back from a span log. */
  public static SlicedRequest sliceResourceSpans(byte[] resourceSpans)
      throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(resourceSpans);
    SlicedRequest out = new SlicedRequest(resourceSpans);
    try {
      resourceSpans(in, out, 0);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
    return out;
  }

  /** The fields of one {@code ResourceSpans}, read at {@code depth}, up to the current limit. */
  private static void resourceSpans(CodedInputStream in, SlicedRequest out, int depth)
      throws IOException {
    byte[] buf = out.bytes();
    SlicedRequest.Container resource = out.openResource();
    int scopeIndex = 0;
    int tag;
    while ((tag = in.readTag()) != 0) {
      if (tag == RESOURCE) {
        int length = in.readRawVarint32();
        int start = in.getTotalBytesRead();
        RESOURCE_CHECK.embedded(in, buf, length, depth);
        resource.addPart(start, length);
      } else if (tag == SCOPE_SPANS) {
        int length = in.readRawVarint32();
        int outer = WireCheck.enter(in, length, depth);
        scopeSpans(in, out, out.resourceCount() - 1, scopeIndex++, depth + 1);
        in.popLimit(outer);
      } else if (tag == RESOURCE_SCHEMA_URL) {
        resource.schemaUrl(in, buf);
      } else {
        RESOURCE_SPANS_CHECK.field(in, buf, tag, depth);
      }
    }
    out.closeResource();
  }

  private static void scopeSpans(CodedInputStream in, SlicedRequest out, int r, int s, int depth)
      throws IOException {
    byte[] buf = out.bytes();
    SlicedRequest.Container scope = out.openScope();
    int spanIndex = 0;
    int tag;
    while ((tag = in.readTag()) != 0) {
      if (tag == SCOPE) {
        int length = in.readRawVarint32();
        int start = in.getTotalBytesRead();
        SCOPE_CHECK.embedded(in, buf, length, depth);
        scope.addPart(start, length);
      } else if (tag == SPANS) {
        int length = in.readRawVarint32();
        span(in, out, length, r, s, spanIndex++, depth);
      } else if (tag == SCOPE_SCHEMA_URL) {
        scope.schemaUrl(in, buf);
      } else {
        SCOPE_SPANS_CHECK.field(in, buf, tag, depth);
      }
    }
  }

  /** One span of {@code length} bytes, embedded at {@code depth}: spans[i] of scope s of r. */
  private static void span(
      CodedInputStream in, SlicedRequest out, int length, int r, int s, int i, int depth)
      throws IOException {
    byte[] buf = out.bytes();
    int outer = WireCheck.enter(in, length, depth);
    int start = in.getTotalBytesRead();
    int traceStart = 0;
    int traceLength = 0;
    int spanStart = 0;
    int spanLength = 0;
    int parentLength = 0;
    int nameStart = 0;
    int nameLength = 0;
    long end = 0;
    int tag;
    while ((tag = in.readTag()) != 0) {
      if (tag == TRACE_ID) {
        traceLength = in.readRawVarint32();
        traceStart = in.getTotalBytesRead();
        in.skipRawBytes(traceLength);
      } else if (tag == SPAN_ID) {
        spanLength = in.readRawVarint32();
        spanStart = in.getTotalBytesRead();
        in.skipRawBytes(spanLength);
      } else if (tag == PARENT_SPAN_ID) {
        parentLength = in.readRawVarint32();
        in.skipRawBytes(parentLength);
      } else if (tag == NAME) {
        nameLength = in.readRawVarint32();
        nameStart = in.getTotalBytesRead();
        in.skipRawBytes(nameLength);
        WireCheck.requireUtf8(buf, nameStart, nameLength);
      } else if (tag == END_TIME) {
        end = in.readFixed64();
      } else {
        SPAN_CHECK.field(in, buf, tag, depth + 1);
      }
    }
    in.popLimit(outer);
    long high = traceLength == 16 ? TraceGroups.high(buf, traceStart) : 0;
    long low = traceLength == 16 ? TraceGroups.low(buf, traceStart) : 0;
    String problem = problem(buf, high, low, traceLength, spanStart, spanLength, parentLength);
    if (problem != null) {
      if (out.reject()) {
        out.explain(
            "span '%s' (resource_spans[%d].scope_spans[%d].spans[%d]): %s"
                .formatted(
                    new String(buf, nameStart, nameLength, StandardCharsets.UTF_8),
                    r,
                    s,
                    i,
                    problem));
      }
      return;
    }
    out.accept(start, length, traceStart, parentLength == 0 && end != 0);
  }

  /** Why a span with these ids is rejected, or null if they are valid. */
  private static @Nullable String problem(
      byte[] buf,
      long traceHigh,
      long traceLow,
      int traceLength,
      int spanStart,
      int spanLength,
      int parentLength) {
    if (traceLength != 16 || (traceHigh == 0 && traceLow == 0)) {
      return "trace_id is %d bytes%s (expected: 16 bytes, not all zero)"
          .formatted(traceLength, traceLength == 16 ? " of zeros" : "");
    }
    if (spanLength != 8 || allZero(buf, spanStart, spanLength)) {
      return "span_id is %d bytes%s (expected: 8 bytes, not all zero)"
          .formatted(spanLength, spanLength == 8 ? " of zeros" : "");
    }
    if (parentLength != 0 && parentLength != 8) {
      return "parent_span_id is %d bytes (expected: empty for a root span, or 8 bytes)"
          .formatted(parentLength);
    }
    return null;
  }

  private static boolean allZero(byte[] buf, int start, int length) {
    for (int k = start; k < start + length; k++) {
      if (buf[k] != 0) {
        return false;
      }
    }
    return true;
  }
}
