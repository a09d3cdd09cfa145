package dev.llmtail.policies.genai;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.llmtail.core.SpanView;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

class SpanKeysTest {

  private static SpanView span(String... keys) {
    Span.Builder s = Span.newBuilder().setSpanId(ByteString.copyFrom(new byte[8]));
    for (String key : keys) {
      s.addAttributes(
          KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(503)));
    }
    return new SpanView(
        s.build(), Resource.getDefaultInstance(), InstrumentationScope.getDefaultInstance());
  }

  @Test
  void httpAttemptIsAResendCountOrAStatusRetryStormReads() {
    assertThat(SpanKeys.hasHttpAttempt(span("http.request.resend_count"))).isTrue();
    assertThat(SpanKeys.hasHttpAttempt(span("url.full", "http.response.status_code"))).isTrue();
    assertThat(SpanKeys.hasHttpAttempt(span("http.status_code"))).isTrue();
    assertThat(SpanKeys.hasHttpAttempt(span("http.url", "status"))).isTrue();
  }

  @Test
  void noHttpAttemptWithoutAKeyWhoseValueCounts() {
    assertThat(SpanKeys.hasHttpAttempt(span())).isFalse();
    assertThat(SpanKeys.hasHttpAttempt(span("url.full", "http.url", "http.route"))).isFalse();
    assertThat(SpanKeys.hasHttpAttempt(span("status", "db.system.name"))).isFalse();
    assertThat(SpanKeys.hasHttpAttempt(span("gen_ai.operation.name", "http.request.method")))
        .isFalse();
  }

  @Test
  void thePassRunsOncePerSpanAndIsKeptOnIt() {
    SpanView s = span("http.request.resend_count");
    assertThat(s.keyMarks()).isZero();

    assertThat(PlainSpans.plain(s)).isTrue();

    assertThat(s.keyMarks()).isNotZero();
    s.keyMarks(SpanKeys.marks(span("db.system.name"))); // what a pass over other keys found
    assertThat(SpanKeys.hasHttpAttempt(s)).isFalse();
  }
}
