package dev.llmtail.testing;

import com.google.protobuf.ByteString;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.LogGrouper;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceGrouper;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Builds OTLP traces for tests: one root span and any number of children under one service, with
 * times relative to a fixed start so results never depend on the wall clock.
 *
 * <pre>{@code
 * TraceBuilder t = TraceBuilder.trace().service("chat-api");
 * t.root("POST /chat").durationMillis(1200);
 * t.child("chat gpt-4o").startMillis(100).durationMillis(900).error("rate limited");
 * ExportTraceServiceRequest request = t.request();
 * }</pre>
 */
public final class TraceBuilder {

  /** 2026-01-01T00:00:00Z: the start of every built trace. */
  public static final long BASE_EPOCH_NANOS = 1_767_225_600_000_000_000L;

  private static final AtomicLong SPAN_IDS = new AtomicLong(1);
  private static final Random IDS = new Random(42);

  private final byte[] traceId;
  private String service = "test-service";
  private final List<SpanBuilder> spans = new ArrayList<>();
  private @Nullable SpanBuilder root;

  private TraceBuilder(byte[] traceId) {
    this.traceId = traceId;
  }

  /** A trace with a fresh pseudo-random id (seeded, so a test run is repeatable). */
  public static TraceBuilder trace() {
    byte[] id = new byte[16];
    synchronized (IDS) {
      IDS.nextBytes(id);
    }
    id[0] |= 1; // never all zero
    return new TraceBuilder(id);
  }

  /** A trace with the given id (32 hex characters). */
  public static TraceBuilder trace(String hexTraceId) {
    TraceId parsed = TraceId.fromHex(hexTraceId);
    return new TraceBuilder(
        ByteBuffer.allocate(16).putLong(parsed.high()).putLong(parsed.low()).array());
  }

  public TraceBuilder service(String serviceName) {
    this.service = serviceName;
    return this;
  }

  /** Adds the root span (no parent). */
  public SpanBuilder root(String name) {
    root = new SpanBuilder(name, ByteString.EMPTY);
    spans.add(root);
    return root;
  }

  /** Adds a child of the root span (the root need not be added to the same request). */
  public SpanBuilder child(String name) {
    SpanBuilder child = new SpanBuilder(name, rootSpanId());
    spans.add(child);
    return child;
  }

  private ByteString rootSpanId() {
    if (root == null) {
      root = new SpanBuilder("root", ByteString.EMPTY);
    }
    return root.spanId;
  }

  public TraceId traceId() {
    return Objects.requireNonNull(TraceId.fromBytesOrNull(ByteString.copyFrom(traceId)));
  }

  public String traceIdHex() {
    return traceId().toHex();
  }

  /** The spans added so far, under one resource and scope. */
  public ResourceSpans resourceSpans() {
    ScopeSpans.Builder scope =
        ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("llmtail-tests").setVersion("1"));
    for (SpanBuilder s : spans) {
      if (s.exported) {
        scope.addSpans(s.build());
      }
    }
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv("service.name", service)))
        .addScopeSpans(scope)
        .build();
  }

  public ExportTraceServiceRequest request() {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(resourceSpans()).build();
  }

  /** The spans as the buffer would admit them. */
  public List<TraceFragment> fragments() {
    return TraceGrouper.group(List.of(resourceSpans())).fragments();
  }

  /** The complete trace as policies see it. */
  public TraceView view() {
    return TraceView.of(traceId(), List.of(resourceSpans()));
  }

  /** One log record of this trace (e.g. a judge's evaluation) with {@code body}, as a fragment. */
  public LogFragment logRecord(String body) {
    ResourceLogs logs =
        ResourceLogs.newBuilder()
            .addScopeLogs(
                ScopeLogs.newBuilder()
                    .addLogRecords(
                        LogRecord.newBuilder()
                            .setTraceId(ByteString.copyFrom(traceId))
                            .setBody(AnyValue.newBuilder().setStringValue(body))))
            .build();
    return LogGrouper.group(List.of(logs)).fragments().get(0);
  }

  /** Builds requests holding several traces at once. */
  public static ExportTraceServiceRequest requestOf(TraceBuilder... traces) {
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    for (TraceBuilder t : traces) {
      b.addResourceSpans(t.resourceSpans());
    }
    return b.build();
  }

  static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  /** One span of the trace; every setter returns this builder. */
  public final class SpanBuilder {
    private final String name;
    private final ByteString parent;
    private final ByteString spanId;
    private long startMillis;
    private long durationMillis = 100;
    private boolean ended = true;
    private boolean exported = true;
    private Status status = Status.getDefaultInstance();
    private final List<KeyValue> attributes = new ArrayList<>();
    private final List<Span.Event> events = new ArrayList<>();
    private final List<Span.Link> links = new ArrayList<>();

    private SpanBuilder(String name, ByteString parent) {
      this.name = name;
      this.parent = parent;
      this.spanId =
          ByteString.copyFrom(ByteBuffer.allocate(8).putLong(SPAN_IDS.getAndIncrement()).array());
    }

    public SpanBuilder startMillis(long millisAfterTraceStart) {
      this.startMillis = millisAfterTraceStart;
      return this;
    }

    public SpanBuilder durationMillis(long millis) {
      this.durationMillis = millis;
      return this;
    }

    /** The span has not ended (no end time), as a root still in flight. */
    public SpanBuilder unended() {
      this.ended = false;
      return this;
    }

    /**
     * The span never reaches the sampler (an SDK exports only ended spans); its children still do.
     */
    public SpanBuilder notExported() {
      this.ended = false;
      this.exported = false;
      return this;
    }

    public SpanBuilder error(String message) {
      this.status =
          Status.newBuilder()
              .setCode(Status.StatusCode.STATUS_CODE_ERROR)
              .setMessage(message)
              .build();
      return this;
    }

    public SpanBuilder ok() {
      this.status = Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK).build();
      return this;
    }

    public SpanBuilder attribute(String key, String value) {
      attributes.add(kv(key, value));
      return this;
    }

    public SpanBuilder attribute(String key, long value) {
      attributes.add(
          KeyValue.newBuilder()
              .setKey(key)
              .setValue(AnyValue.newBuilder().setIntValue(value))
              .build());
      return this;
    }

    public SpanBuilder attribute(String key, double value) {
      attributes.add(
          KeyValue.newBuilder()
              .setKey(key)
              .setValue(AnyValue.newBuilder().setDoubleValue(value))
              .build());
      return this;
    }

    public SpanBuilder attribute(String key, boolean value) {
      attributes.add(
          KeyValue.newBuilder()
              .setKey(key)
              .setValue(AnyValue.newBuilder().setBoolValue(value))
              .build());
      return this;
    }

    /** A string-array attribute, e.g. {@code gen_ai.response.finish_reasons}. */
    public SpanBuilder attribute(String key, List<String> values) {
      ArrayValue.Builder array = ArrayValue.newBuilder();
      values.forEach(v -> array.addValues(AnyValue.newBuilder().setStringValue(v)));
      attributes.add(
          KeyValue.newBuilder()
              .setKey(key)
              .setValue(AnyValue.newBuilder().setArrayValue(array))
              .build());
      return this;
    }

    /** A span event with string attributes given as key, value, key, value… */
    public SpanBuilder event(String name, String... keyValues) {
      Span.Event.Builder e = Span.Event.newBuilder().setName(name);
      for (int i = 0; i + 1 < keyValues.length; i += 2) {
        e.addAttributes(kv(keyValues[i], keyValues[i + 1]));
      }
      events.add(e.build());
      return this;
    }

    /** A link to another span of the same trace (as an evaluator span links the call it judged). */
    public SpanBuilder linkTo(SpanBuilder other) {
      links.add(
          Span.Link.newBuilder()
              .setTraceId(ByteString.copyFrom(traceId))
              .setSpanId(other.spanId)
              .build());
      return this;
    }

    /** The child of this span, for nesting deeper than root → child. */
    public SpanBuilder child(String name) {
      SpanBuilder child = new SpanBuilder(name, spanId);
      spans.add(child);
      return child;
    }

    public String spanIdHex() {
      return java.util.HexFormat.of().formatHex(spanId.toByteArray());
    }

    /** Back to the trace, to add more spans. */
    public TraceBuilder and() {
      return TraceBuilder.this;
    }

    Span build() {
      long start = BASE_EPOCH_NANOS + startMillis * 1_000_000;
      Span.Builder b =
          Span.newBuilder()
              .setTraceId(ByteString.copyFrom(traceId))
              .setSpanId(spanId)
              .setParentSpanId(parent)
              .setName(name)
              .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
              .setStartTimeUnixNano(start)
              .setStatus(status)
              .addAllAttributes(attributes)
              .addAllEvents(events)
              .addAllLinks(links);
      if (ended) {
        b.setEndTimeUnixNano(start + durationMillis * 1_000_000);
      }
      return b.build();
    }
  }
}
