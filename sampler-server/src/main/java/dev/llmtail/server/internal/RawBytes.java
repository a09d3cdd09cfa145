package dev.llmtail.server.internal;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Carries a gRPC message as the bytes on the wire, so the receiver can parse (and refuse) bodies
 * itself and the load generator can send pre-encoded requests.
 */
public final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {

  @Override
  public InputStream stream(byte[] value) {
    return new ByteArrayInputStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("cannot read request body")
          .withCause(e)
          .asRuntimeException();
    }
  }
}
