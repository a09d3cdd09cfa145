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

class SpanAttributesTest {

  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static SpanView span(KeyValue... attributes) {
    Span.Builder s =
        Span.newBuilder().setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
    for (KeyValue kv : attributes) {
      s.addAttributes(kv);
    }
    return new SpanView(
        s.build(), Resource.getDefaultInstance(), InstrumentationScope.getDefaultInstance());
  }

  @Test
  void keyedViewReadsTheNamedKeysAsTheFullViewDoes() {
    SpanView s =
        span(
            kv("http.response.status_code", AnyValue.newBuilder().setStringValue("503").build()),
            kv("http.request.resend_count", AnyValue.newBuilder().setIntValue(2).build()),
            kv("gen_ai.request.model", AnyValue.newBuilder().setStringValue("gpt-4o").build()));

    SpanAttributes keyed =
        SpanAttributes.of(s, "http.response.status_code", "http.request.resend_count");

    assertThat(keyed.whole("http.response.status_code"))
        .isEqualTo(503L)
        .isEqualTo(SpanAttributes.of(s).whole("http.response.status_code"));
    assertThat(keyed.whole("http.request.resend_count")).isEqualTo(2L);
    assertThat(keyed.has("gen_ai.request.model")).isFalse();
    assertThat(keyed.text("gen_ai.request.model")).isEmpty();
  }

  @Test
  void keyedViewKeepsTheLastOfDuplicateKeysAsTheFullViewDoes() {
    SpanView s =
        span(
            kv("http.status_code", AnyValue.newBuilder().setIntValue(200).build()),
            kv("http.status_code", AnyValue.newBuilder().setIntValue(429).build()));

    assertThat(SpanAttributes.of(s, "http.status_code").whole("http.status_code"))
        .isEqualTo(SpanAttributes.of(s).whole("http.status_code"))
        .isEqualTo(429L);
  }

  @Test
  void spanIdHexIsStableAcrossCalls() {
    SpanView s = span();
    assertThat(s.spanIdHex()).isEqualTo("0102030405060708").isSameAs(s.spanIdHex());
  }

  @Test
  void normalisersViewReadsASpanOfMoreAttributesThanItNumbersByScanning() {
    java.util.List<KeyValue> attributes = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i++) {
      attributes.add(kv("app.field." + i, AnyValue.newBuilder().setIntValue(i).build()));
    }
    attributes.add(kv("gen_ai.request.model", AnyValue.newBuilder().setStringValue("a").build()));
    attributes.add(kv("gen_ai.request.model", AnyValue.newBuilder().setStringValue("b").build()));

    SpanAttributes a = new SpanAttributes(attributes, key -> {});

    assertThat(a.text("gen_ai.request.model")).isEqualTo("b");
    assertThat(a.text(GenAiKeys.MODELS)).isEqualTo("b");
    assertThat(a.whole("app.field.299")).isEqualTo(299L);
  }
}
