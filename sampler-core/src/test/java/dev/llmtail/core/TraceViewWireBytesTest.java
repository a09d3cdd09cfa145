package dev.llmtail.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UnknownFieldSet;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceViewWireBytesTest {

  private final TraceId trace = TestSpans.traceId(7);

  @Test
  void aViewReadFromTheStoreWeighsTheBytesAsReceived() {
    ResourceSpans root = TestSpans.resourceSpans(TestSpans.span(trace, 1, 0, true, false));
    ResourceSpans child = TestSpans.resourceSpans(TestSpans.span(trace, 2, 1, true, true));
    // The bytes as a client sent them may be longer than the parsed message written again (here
    // a field this protobuf does not know, which the parse keeps aside).
    byte[] rootAsSent =
        root.toBuilder()
            .setUnknownFields(
                UnknownFieldSet.newBuilder()
                    .addField(
                        99, UnknownFieldSet.Field.newBuilder().addVarint(123_456_789L).build())
                    .build())
            .build()
            .toByteArray();
    byte[] childAsSent = child.toByteArray();

    TraceView stored =
        TraceView.stored(trace, List.of(rootAsSent, childAsSent), List.of(root, child), List.of());

    assertThat(stored.wireBytes()).isEqualTo(rootAsSent.length + childAsSent.length);
    assertThat(stored.wireBytes())
        .isGreaterThan(root.getSerializedSize() + child.getSerializedSize());
  }

  @Test
  void aViewBuiltFromMessagesWeighsTheirEncodedSize() {
    ResourceSpans root = TestSpans.resourceSpans(TestSpans.span(trace, 1, 0, true, false));
    ResourceSpans child = TestSpans.resourceSpans(TestSpans.span(trace, 2, 1, true, true));

    TraceView view = TraceView.of(trace, List.of(root, child));

    assertThat(view.wireBytes()).isEqualTo(root.toByteArray().length + child.toByteArray().length);
    assertThat(TraceView.of(trace, List.of()).wireBytes()).isZero();
  }
}
