package dev.llmtail.server.internal;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Carries a gRPC message as the bytes on the wire, so the receiver can parse (and refuse) bodies
 * itself and the exporter and the load generator can send pre-encoded requests.
 *
 * <p>Copies each message once, and no more: gRPC hands an uncompressed message as a {@link
 * KnownLength} stream over its transport buffers, read here straight into an array of the message's
 * size (a stream of unknown length, a gzip-compressed request, is read to its end). The copy is
 * wanted rather than a zero-copy view of the transport's pooled buffers: the receiver keeps slices
 * of the request for as long as their trace is buffered, and pooled direct memory must go back to
 * Netty when the call ends. Outgoing arrays are written by {@link Drainable}, in one write of the
 * whole array.
 */
public final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {

  @Override
  public InputStream stream(byte[] value) {
    return new ArrayStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      if (stream instanceof KnownLength) {
        // InputStream.readNBytes(int) would read in 8 KiB chunks and copy them together.
        byte[] message = new byte[stream.available()];
        int read = stream.readNBytes(message, 0, message.length);
        if (read != message.length) {
          throw new IOException(
              "the message ended after " + read + " of its " + message.length + " bytes");
        }
        return message;
      }
      return stream.readAllBytes();
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("cannot read request body")
          .withCause(e)
          .asRuntimeException();
    }
  }

  /** An array as a stream gRPC can size up front and drain in one write. */
  private static final class ArrayStream extends ByteArrayInputStream
      implements Drainable, KnownLength {

    ArrayStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int length = count - pos;
      target.write(buf, pos, length);
      pos = count;
      return length;
    }
  }
}
