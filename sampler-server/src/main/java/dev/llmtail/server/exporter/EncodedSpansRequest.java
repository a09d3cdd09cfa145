package dev.llmtail.server.exporter;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An OTLP {@code ExportTraceServiceRequest} built from, and read back into, encoded {@code
 * ResourceSpans}: the request is nothing but its repeated {@code resource_spans} field, so kept
 * spans go out as the bytes llmtail holds, each behind its tag and length, never parsed into
 * messages on the way.
 */
final class EncodedSpansRequest {

  private static final int RESOURCE_SPANS =
      lengthDelimited(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER);

  private EncodedSpansRequest() {}

  /** The encoded request holding each of {@code resourceSpans} in order. */
  static byte[] encode(List<byte[]> resourceSpans) {
    int size = 0;
    for (byte[] rs : resourceSpans) {
      size +=
          CodedOutputStream.computeByteArraySize(
              ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER, rs);
    }
    byte[] request = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(request);
    try {
      for (byte[] rs : resourceSpans) {
        out.writeByteArray(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER, rs);
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("writing into an array of the computed size", e);
    }
    return request;
  }

  /** Each encoded {@code ResourceSpans} of an encoded request, in order (other fields skipped). */
  static List<byte[]> decode(byte[] request) throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(request);
    List<byte[]> resourceSpans = new ArrayList<>();
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == RESOURCE_SPANS) {
          resourceSpans.add(in.readByteArray());
        } else {
          in.skipField(tag);
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
    return resourceSpans;
  }

  /** The tag of a length-delimited field (WireFormat.makeTag is not public). */
  private static int lengthDelimited(int fieldNumber) {
    return fieldNumber << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }
}
