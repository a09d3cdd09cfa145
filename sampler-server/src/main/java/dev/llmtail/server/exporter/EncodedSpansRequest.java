package dev.llmtail.server.exporter;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An OTLP {@code ExportTraceServiceRequest} built from, and read back into, encoded {@code
 * ResourceSpans}: the request is nothing but its repeated {@code resource_spans} field, so kept
 * spans go out as the bytes llmtail holds, each behind its tag and length, never parsed into
 * messages on the way.
 *
 * <p>As a gRPC request marshaller ({@link #MARSHALLER}) the request is never assembled: its stream
 * tells gRPC its length and writes each {@code ResourceSpans} behind its tag and length straight
 * into gRPC's outgoing buffers (or its compressor), so kept bytes are copied once on the sender
 * thread instead of twice (into a request array, then out of it).
 */
final class EncodedSpansRequest {

  private static final int RESOURCE_SPANS =
      lengthDelimited(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER);

  /** Writes a batch of encoded {@code ResourceSpans} as the request holding them, in order. */
  static final MethodDescriptor.Marshaller<List<byte[]>> MARSHALLER =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(List<byte[]> resourceSpans) {
          return new RequestStream(resourceSpans);
        }

        @Override
        public List<byte[]> parse(InputStream stream) {
          try {
            return decode(stream.readAllBytes());
          } catch (IOException e) {
            throw Status.INTERNAL
                .withDescription("cannot read an ExportTraceServiceRequest")
                .withCause(e)
                .asRuntimeException();
          }
        }
      };

  private EncodedSpansRequest() {}

  /** The encoded request holding each of {@code resourceSpans} in order. */
  static byte[] encode(List<byte[]> resourceSpans) {
    byte[] request = new byte[size(resourceSpans)];
    CodedOutputStream out = CodedOutputStream.newInstance(request);
    try {
      write(resourceSpans, out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("writing into an array of the computed size", e);
    }
    return request;
  }

  private static int size(List<byte[]> resourceSpans) {
    int size = 0;
    for (byte[] rs : resourceSpans) {
      size +=
          CodedOutputStream.computeByteArraySize(
              ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER, rs);
    }
    return size;
  }

  private static void write(List<byte[]> resourceSpans, CodedOutputStream out) throws IOException {
    for (byte[] rs : resourceSpans) {
      out.writeByteArray(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER, rs);
    }
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

  /**
   * A request as gRPC reads it: its length up front ({@link KnownLength}), then drained in one pass
   * ({@link Drainable}); read as an ordinary stream (gRPC does not), it is encoded into an array
   * first. Read once.
   */
  private static final class RequestStream extends InputStream implements Drainable, KnownLength {

    private final List<byte[]> resourceSpans;
    private final int size;
    private boolean drained;
    private @Nullable ByteArrayInputStream encoded;

    RequestStream(List<byte[]> resourceSpans) {
      this.resourceSpans = resourceSpans;
      this.size = size(resourceSpans);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      if (encoded != null) {
        return (int) encoded.transferTo(target);
      }
      if (drained) {
        return 0;
      }
      drained = true;
      // Small writes (tags, lengths) are gathered; each ResourceSpans goes through in one write.
      CodedOutputStream out = CodedOutputStream.newInstance(target, 64);
      write(resourceSpans, out);
      out.flush();
      return size;
    }

    @Override
    public int available() {
      if (encoded != null) {
        return encoded.available();
      }
      return drained ? 0 : size;
    }

    @Override
    public int read() {
      return encoded().read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return encoded().read(b, off, len);
    }

    private ByteArrayInputStream encoded() {
      if (encoded == null) {
        encoded = new ByteArrayInputStream(drained ? new byte[0] : encode(resourceSpans));
        drained = true;
      }
      return encoded;
    }
  }
}
