package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmtail.core.ingest.GroupedRequest;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceSlicer;
import dev.llmtail.testing.MessageGrouping;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** Compares {@link TraceSlicer} with the message-building grouping it replaced. */
final class SliceAssertions {

  private SliceAssertions() {}

  /**
   * Asserts that slicing {@code body} gives what decoding it and grouping the messages gave: the
   * same counts and rejection message, and fragments that parse to the same messages; with {@code
   * sameBytes} (canonically encoded input) the very same bytes too.
   */
  static GroupedRequest slicesLikeMessages(byte[] body, boolean sameBytes)
      throws InvalidProtocolBufferException {
    ExportTraceServiceRequest parsed = ExportTraceServiceRequest.parseFrom(body);
    GroupedRequest expected = MessageGrouping.group(parsed.getResourceSpansList());
    GroupedRequest actual = TraceSlicer.slice(body).group();
    assertThat(TraceSlicer.slice(body).spanCount())
        .as("spans counted without grouping")
        .isEqualTo(SpanIntake.countSpans(parsed));
    assertThat(actual.acceptedSpans()).isEqualTo(expected.acceptedSpans());
    assertThat(actual.rejectedSpans()).isEqualTo(expected.rejectedSpans());
    assertThat(actual.rejectionMessage()).isEqualTo(expected.rejectionMessage());
    assertThat(actual.fragments()).hasSameSizeAs(expected.fragments());
    for (int i = 0; i < expected.fragments().size(); i++) {
      TraceFragment want = expected.fragments().get(i);
      TraceFragment got = actual.fragments().get(i);
      assertThat(got.traceId()).as("fragment %d", i).isEqualTo(want.traceId());
      assertThat(got.spanCount()).as("fragment %d", i).isEqualTo(want.spanCount());
      assertThat(got.endsRoot()).as("fragment %d", i).isEqualTo(want.endsRoot());
      assertThat(got.spans()).as("fragment %d", i).isEqualTo(want.spans());
      if (sameBytes) {
        assertThat(got.encoded()).as("fragment %d", i).isEqualTo(want.encoded());
      }
    }
    return actual;
  }

  /** Whether protobuf-java parses {@code body} as a request. */
  static boolean protobufParses(byte[] body) {
    try {
      return ExportTraceServiceRequest.parseFrom(body) != null;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  /** Whether the slicer reads {@code body} as a request. */
  static boolean slicerReads(byte[] body) {
    try {
      TraceSlicer.slice(body);
      return true;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }
}
