package dev.llmtail.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedOutputStream;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceSlicer;
import dev.llmtail.server.config.ByteSize;
import dev.llmtail.server.config.StorageConfig;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The span log holds spans as the client encoded them; a client may order a span's fields otherwise
 * than protobuf-java. Delivering such a trace still settles its spans.
 */
class SpanLogClientBytesTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;

  private RocksSpanLog open(Instant t) {
    return RocksSpanLog.open(
        new StorageConfig(dir.toString(), "os", Duration.ofHours(1), new ByteSize(1L << 30)),
        Clock.fixed(t, ZoneOffset.UTC),
        new SimpleMeterRegistry());
  }

  @Test
  void spansEncodedInAnotherFieldOrderAreSettledWhenDelivered() throws Exception {
    TraceBuilder trace = TraceBuilder.trace();
    List<TraceFragment> fragments =
        TraceSlicer.slice(requestWithNameFirst(trace.traceId().high(), trace.traceId().low()))
            .group()
            .fragments();
    ResourceSpans parsed = fragments.get(0).spans();
    assertThat(parsed.toByteArray())
        .as("the client's bytes are not protobuf-java's")
        .isNotEqualTo(fragments.get(0).encoded());
    LogFragment evaluation = trace.logRecord("judge: answer was wrong");
    try (RocksSpanLog log = open(T0)) {
      log.append(fragments, List.of(evaluation));
      log.decided(trace.traceId(), new RememberedDecision(true, "kept by errors", 1));
      log.spansDelivered(trace.traceId(), List.of(parsed));
    }
    try (RocksSpanLog log = open(T0.plusSeconds(1))) {
      List<RecoveredTrace> traces = new ArrayList<>();
      log.recover(traces::add);
      assertThat(traces).hasSize(1); // its log record is not delivered yet
      assertThat(traces.get(0).spans()).as("delivered: not exported again").isEmpty();
    }
  }

  /** One span whose name comes before its ids (protobuf-java writes fields by number). */
  private static byte[] requestWithNameFirst(long high, long low) throws IOException {
    byte[] traceId = java.nio.ByteBuffer.allocate(16).putLong(high).putLong(low).array();
    byte[] span =
        encode(
            o -> {
              o.writeString(5, "chat gpt-4o");
              o.writeByteArray(1, traceId);
              o.writeByteArray(2, new byte[] {0, 0, 0, 0, 0, 0, 0, 1});
              o.writeFixed64(7, 1);
              o.writeFixed64(8, 2);
            });
    byte[] scope = encode(o -> o.writeByteArray(2, span));
    byte[] resource = encode(o -> o.writeByteArray(2, scope));
    return encode(o -> o.writeByteArray(1, resource));
  }

  private interface Writes {
    void to(CodedOutputStream out) throws IOException;
  }

  private static byte[] encode(Writes writes) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    writes.to(out);
    out.flush();
    return bytes.toByteArray();
  }
}
