package dev.llmtail.bench;

import io.grpc.MethodDescriptor;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;

/**
 * The OTLP trace export method with request and response as raw bytes: the generator sends
 * pre-encoded requests.
 */
final class RawBytes {

  static final MethodDescriptor<byte[], byte[]> EXPORT =
      TraceServiceGrpc.getExportMethod().toBuilder(
              new dev.llmtail.server.internal.RawBytes(),
              new dev.llmtail.server.internal.RawBytes())
          .build();

  private RawBytes() {}
}
