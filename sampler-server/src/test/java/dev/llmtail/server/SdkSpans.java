package dev.llmtail.server;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Turns fixture traces into the SDK's {@link SpanData}, so that end-to-end tests can send realistic
 * GenAI spans in any dialect through the real OpenTelemetry SDK exporter.
 */
final class SdkSpans {

  private static final HexFormat HEX = HexFormat.of();

  private SdkSpans() {}

  static List<SpanData> of(ResourceSpans rs) {
    Resource resource = Resource.create(attributes(rs.getResource().getAttributesList()));
    List<SpanData> out = new ArrayList<>();
    for (ScopeSpans ss : rs.getScopeSpansList()) {
      InstrumentationScopeInfo scope = InstrumentationScopeInfo.create(ss.getScope().getName());
      for (Span s : ss.getSpansList()) {
        String traceId = HEX.formatHex(s.getTraceId().toByteArray());
        List<EventData> events = new ArrayList<>();
        for (Span.Event e : s.getEventsList()) {
          events.add(
              EventData.create(
                  s.getStartTimeUnixNano(), e.getName(), attributes(e.getAttributesList())));
        }
        List<LinkData> links = new ArrayList<>();
        for (Span.Link l : s.getLinksList()) {
          links.add(LinkData.create(context(traceId, HEX.formatHex(l.getSpanId().toByteArray()))));
        }
        Attributes attributes = attributes(s.getAttributesList());
        out.add(
            TestSpanData.builder()
                .setSpanContext(context(traceId, HEX.formatHex(s.getSpanId().toByteArray())))
                .setParentSpanContext(
                    s.getParentSpanId().isEmpty()
                        ? SpanContext.getInvalid()
                        : context(traceId, HEX.formatHex(s.getParentSpanId().toByteArray())))
                .setResource(resource)
                .setInstrumentationScopeInfo(scope)
                .setName(s.getName())
                .setKind(SpanKind.INTERNAL)
                .setStartEpochNanos(s.getStartTimeUnixNano())
                .setEndEpochNanos(s.getEndTimeUnixNano())
                .setHasEnded(true)
                .setAttributes(attributes)
                .setTotalAttributeCount(attributes.size())
                .setEvents(events)
                .setTotalRecordedEvents(events.size())
                .setLinks(links)
                .setTotalRecordedLinks(links.size())
                .setStatus(status(s))
                .build());
      }
    }
    return out;
  }

  private static SpanContext context(String traceId, String spanId) {
    return SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault());
  }

  private static StatusData status(Span s) {
    return switch (s.getStatus().getCode()) {
      case STATUS_CODE_ERROR -> StatusData.create(StatusCode.ERROR, s.getStatus().getMessage());
      case STATUS_CODE_OK -> StatusData.ok();
      default -> StatusData.unset();
    };
  }

  private static Attributes attributes(List<KeyValue> kvs) {
    AttributesBuilder b = Attributes.builder();
    for (KeyValue kv : kvs) {
      AnyValue v = kv.getValue();
      switch (v.getValueCase()) {
        case STRING_VALUE -> b.put(kv.getKey(), v.getStringValue());
        case INT_VALUE -> b.put(kv.getKey(), v.getIntValue());
        case DOUBLE_VALUE -> b.put(kv.getKey(), v.getDoubleValue());
        case BOOL_VALUE -> b.put(kv.getKey(), v.getBoolValue());
        case ARRAY_VALUE ->
            b.put(
                AttributeKey.stringArrayKey(kv.getKey()),
                v.getArrayValue().getValuesList().stream().map(AnyValue::getStringValue).toList());
        default ->
            throw new IllegalArgumentException(
                "fixture attribute " + kv.getKey() + " has an unsupported type");
      }
    }
    return b.build();
  }
}
