package dev.llmtail.server.receiver;

import dev.llmtail.server.internal.RawBytes;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.jspecify.annotations.Nullable;

/**
 * The receiver's request marshaller: reads each request body into an array of {@link BodyArrays},
 * which the service gives back once it has copied the spans out ({@link Body#release}). A
 * compressed request which inflates past the receiver's size limit is handed to the service as
 * {@link Body#TOO_LARGE} instead of an exception: grpc-java enforces the limit while inflating,
 * inside the marshaller, and answers whatever a marshaller throws as {@code UNKNOWN}; the service
 * answers {@code TOO_LARGE} with {@code RESOURCE_EXHAUSTED}, as gRPC does for an uncompressed
 * message over the limit.
 */
final class ReceivedBytes implements MethodDescriptor.Marshaller<ReceivedBytes.Body> {

  /**
   * A request body: {@code bytes[0, length)}, in an array that goes back to {@code arrays} (if not
   * null) on {@link #release}, after which the body must not be read.
   */
  @SuppressWarnings("ArrayRecordComponent") // a reused buffer, never compared
  record Body(byte[] bytes, int length, @Nullable BodyArrays arrays) {

    /** Stands for a request over the size limit ({@link #tooLarge}); never read. */
    static final Body TOO_LARGE = new Body(new byte[0], -1, null);

    /** Whether this is {@link #TOO_LARGE}. */
    boolean tooLarge() {
      return length < 0;
    }

    /** Hands the array back for reuse; the body is not read again. */
    void release() {
      if (arrays != null) {
        arrays.give(bytes);
      }
    }
  }

  private final RawBytes raw = new RawBytes();
  private final BodyArrays arrays;

  ReceivedBytes(BodyArrays arrays) {
    this.arrays = arrays;
  }

  @Override
  public InputStream stream(Body value) {
    return new ByteArrayInputStream(value.bytes(), 0, value.length());
  }

  @Override
  public Body parse(InputStream stream) {
    try {
      if (stream instanceof KnownLength) {
        // gRPC's stream over its transport buffers for an uncompressed message: copied once, into
        // a reused array.
        int length = stream.available();
        byte[] array = arrays.take(length);
        int read = stream.readNBytes(array, 0, length);
        if (read != length) {
          throw new IOException("the message ended after " + read + " of its " + length + " bytes");
        }
        return new Body(array, length, arrays);
      }
      byte[] inflated = raw.parse(stream);
      return new Body(inflated, inflated.length, null);
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("cannot read request body")
          .withCause(e)
          .asRuntimeException();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
        return Body.TOO_LARGE;
      }
      throw e;
    }
  }
}
