package dev.llmtail.core.ingest;

import static dev.llmtail.core.TestSpans.resourceSpans;
import static dev.llmtail.core.TestSpans.span;
import static dev.llmtail.core.TestSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.List;
import org.junit.jupiter.api.Test;

class FragmentSlabsTest {

  private static byte[] request(ResourceSpans... resourceSpans) {
    return TracesData.newBuilder()
        .addAllResourceSpans(List.of(resourceSpans))
        .build()
        .toByteArray();
  }

  private static Span withText(Span span, int length) {
    return span.toBuilder()
        .addAttributes(
            KeyValue.newBuilder()
                .setKey("gen_ai.prompt")
                .setValue(AnyValue.newBuilder().setStringValue("p".repeat(length))))
        .build();
  }

  @Test
  void fragmentsWrittenIntoSlabsCarryTheBytesOfFragmentsOfTheirOwn() throws Exception {
    byte[] request =
        request(
            resourceSpans(
                span(traceId(1), 1, 0, true, false),
                span(traceId(2), 2, 0, false, false),
                span(traceId(1), 3, 1, true, false)),
            resourceSpans(span(traceId(3), 4, 0, true, false)));

    List<TraceFragment> own = TraceSlicer.slice(request).group().fragments();
    List<TraceFragment> slabbed =
        TraceSlicer.slice(request).group(FragmentSlabs.ofSize(64 * 1024)).fragments();

    assertThat(slabbed).hasSameSizeAs(own).hasSize(3);
    for (int i = 0; i < own.size(); i++) {
      TraceFragment a = own.get(i);
      TraceFragment b = slabbed.get(i);
      assertThat(a.shared()).isFalse();
      assertThat(b.shared()).isTrue();
      assertThat(b.traceId()).isEqualTo(a.traceId());
      assertThat(b.spanCount()).isEqualTo(a.spanCount());
      assertThat(b.endsRoot()).isEqualTo(a.endsRoot());
      assertThat(b.size()).isEqualTo(a.size());
      assertThat(b.encoded()).isEqualTo(a.encoded());
      assertThat(b.spans()).isEqualTo(a.spans());
    }
    // One slab, one fragment after the other.
    assertThat(slabbed.get(1).array()).isSameAs(slabbed.get(0).array());
    assertThat(slabbed.get(2).array()).isSameAs(slabbed.get(0).array());
    assertThat(slabbed.get(1).offset()).isEqualTo(slabbed.get(0).size());
  }

  @Test
  void aFragmentLargerThanAQuarterOfASlabGetsAnArrayOfItsOwn() throws Exception {
    byte[] request = request(resourceSpans(withText(span(traceId(1), 1, 0, true, false), 400)));

    TraceFragment f =
        TraceSlicer.slice(request).group(FragmentSlabs.ofSize(1024)).fragments().get(0);

    assertThat(f.size()).isGreaterThan(256);
    assertThat(f.shared()).isFalse();
    assertThat(f.encoded()).isSameAs(f.array());
  }

  @Test
  void aFragmentThatDoesNotFitTheRestOfTheSlabStartsANewOne() throws Exception {
    FragmentSlabs slabs = FragmentSlabs.ofSize(1024);
    List<TraceFragment> fragments = new java.util.ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      byte[] request = request(resourceSpans(withText(span(traceId(i), i, 0, true, false), 150)));
      fragments.addAll(TraceSlicer.slice(request).group(slabs).fragments());
    }

    // About 230 bytes each: four fit a 1 KiB slab, the fifth starts the next.
    assertThat(fragments.get(3).array()).isSameAs(fragments.get(0).array());
    assertThat(fragments.get(4).array()).isNotSameAs(fragments.get(0).array());
    assertThat(fragments.get(4).offset()).isZero();
    assertThat(fragments.get(5).array()).isSameAs(fragments.get(4).array());
    for (TraceFragment f : fragments) {
      assertThat(f.array()).hasSize(1024);
      assertThat(f.spans().getScopeSpans(0).getSpans(0).getAttributes(0).getValue())
          .isEqualTo(AnyValue.newBuilder().setStringValue("p".repeat(150)).build());
    }
  }

  @Test
  void slabsTooSmallToHoldAFragmentAreRefusedNamingTheSize() {
    assertThatThrownBy(() -> FragmentSlabs.ofSize(16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slab size 16 (expected: >= 64 bytes)");
  }

  @Test
  void withoutSlabsEveryFragmentHasAnArrayOfItsOwn() throws Exception {
    byte[] request = request(resourceSpans(span(traceId(1), 1, 0, true, false)));

    TraceFragment f = TraceSlicer.slice(request).group(FragmentSlabs.NONE).fragments().get(0);

    assertThat(f.shared()).isFalse();
    assertThat(f.array()).hasSize(f.size());
    assertThat(ByteString.copyFrom(f.encoded())).isEqualTo(f.spans().toByteString());
  }
}
