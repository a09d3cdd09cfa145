package dev.llmtail.bench;

import io.grpc.MethodDescriptor;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Carries a gRPC message as the bytes on the wire: the generator sends pre-encoded requests. */
final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {

  /** The OTLP trace export method with both request and response as raw bytes. */
  static final MethodDescriptor<byte[], byte[]> EXPORT =
      TraceServiceGrpc.getExportMethod().toBuilder(new RawBytes(), new RawBytes()).build();

  @Override
  public InputStream stream(byte[] value) {
    return new ByteArrayInputStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
