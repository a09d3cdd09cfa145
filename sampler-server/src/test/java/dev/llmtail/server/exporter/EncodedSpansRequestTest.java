package dev.llmtail.server.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.testing.TraceBuilder;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class EncodedSpansRequestTest {

  private static final List<byte[]> BATCH =
      List.of(
          TraceBuilder.trace().root("POST /chat").and().resourceSpans().toByteArray(),
          new byte[0], // a ResourceSpans with no fields set
          TraceBuilder.trace()
              .service("retriever")
              .root("search")
              .and()
              .resourceSpans()
              .toByteArray());

  @Test
  void streamsTheRequestGrpcSendsWithItsLengthUpFront() throws Exception {
    InputStream stream = EncodedSpansRequest.MARSHALLER.stream(BATCH);
    byte[] encoded = EncodedSpansRequest.encode(BATCH);

    assertThat(stream).isInstanceOf(KnownLength.class).isInstanceOf(Drainable.class);
    assertThat(stream.available()).isEqualTo(encoded.length);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    assertThat(((Drainable) stream).drainTo(wire)).isEqualTo(encoded.length);
    assertThat(wire.toByteArray()).isEqualTo(encoded);
    assertThat(stream.available()).isZero();
    assertThat(ExportTraceServiceRequest.parseFrom(wire.toByteArray()).getResourceSpansCount())
        .isEqualTo(3);
  }

  @Test
  void readsAsAnOrdinaryStreamToTheSameBytes() throws Exception {
    InputStream stream = EncodedSpansRequest.MARSHALLER.stream(BATCH);

    assertThat(stream.readAllBytes()).isEqualTo(EncodedSpansRequest.encode(BATCH));
    assertThat(stream.read()).isEqualTo(-1);
    assertThat(EncodedSpansRequest.MARSHALLER.parse(EncodedSpansRequest.MARSHALLER.stream(BATCH)))
        .containsExactlyElementsOf(BATCH);
  }
}
