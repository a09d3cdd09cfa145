package dev.llmtail.server.receiver;

import dev.llmtail.server.internal.RawBytes;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;

/**
 * The receiver's request marshaller: {@link RawBytes}, except that a compressed request which
 * inflates past the receiver's size limit is handed to the service as {@link #TOO_LARGE} instead of
 * an exception. grpc-java enforces the limit while inflating, inside the marshaller, and answers
 * whatever a marshaller throws as {@code UNKNOWN}; the service answers {@code TOO_LARGE} with
 * {@code RESOURCE_EXHAUSTED}, as gRPC does for an uncompressed message over the limit.
 */
final class ReceivedBytes implements MethodDescriptor.Marshaller<byte[]> {

  /** Stands for a request over the size limit; compared by identity, never read. */
  static final byte[] TOO_LARGE = new byte[0];

  private final RawBytes raw = new RawBytes();

  @Override
  public InputStream stream(byte[] value) {
    return raw.stream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      return raw.parse(stream);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
        return TOO_LARGE;
      }
      throw e;
    }
  }
}
