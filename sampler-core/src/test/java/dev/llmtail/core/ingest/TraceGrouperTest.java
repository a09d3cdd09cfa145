package dev.llmtail.core.ingest;

import static dev.llmtail.core.TestSpans.resourceSpans;
import static dev.llmtail.core.TestSpans.span;
import static dev.llmtail.core.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceGrouperTest {

  @Test
  void splitsARequestIntoOneFragmentPerTraceKeepingResourceAndScope() {
    GroupedRequest g =
        TraceGrouper.group(
            List.of(
                resourceSpans(
                    span(traceId(1), 1, 0, true, false),
                    span(traceId(2), 2, 0, false, false),
                    span(traceId(1), 3, 1, true, false))));
    assertThat(g.fragments())
        .extracting(TraceFragment::traceId)
        .containsExactly(traceId(1), traceId(2));
    assertThat(g.fragments().get(0).spanCount()).isEqualTo(2);
    assertThat(g.fragments().get(0).endsRoot()).isTrue();
    assertThat(g.fragments().get(1).endsRoot()).isFalse(); // its root has no end time yet
    assertThat(g.acceptedSpans()).isEqualTo(3);
    assertThat(g.rejectedSpans()).isZero();
    assertThat(g.rejectionMessage()).isEmpty();
  }

  @Test
  void rejectsSpansWithInvalidIdsAndSaysWhichAndWhy() {
    Span good = span(traceId(1), 1, 0, true, false);
    Span shortTraceId =
        good.toBuilder().setTraceId(ByteString.copyFrom(new byte[4])).setName("short").build();
    Span zeroTraceId =
        good.toBuilder().setTraceId(ByteString.copyFrom(new byte[16])).setName("zero").build();
    Span zeroSpanId =
        good.toBuilder().setSpanId(ByteString.copyFrom(new byte[8])).setName("nospan").build();
    Span badParent =
        good.toBuilder()
            .setParentSpanId(ByteString.copyFrom(new byte[3]))
            .setName("parent")
            .build();

    GroupedRequest g =
        TraceGrouper.group(
            List.of(resourceSpans(good, shortTraceId, zeroTraceId, zeroSpanId, badParent)));

    assertThat(g.acceptedSpans()).isEqualTo(1);
    assertThat(g.rejectedSpans()).isEqualTo(4);
    assertThat(g.fragments()).hasSize(1);
    assertThat(g.rejectionMessage())
        .startsWith("rejected 4 of 5 spans")
        .contains("span 'short' (resource_spans[0].scope_spans[0].spans[1]): trace_id is 4 bytes")
        .contains("trace_id is 16 bytes of zeros")
        .contains("span_id is 8 bytes of zeros")
        .endsWith("…"); // only the first reasons are spelled out
  }
}
