package dev.llmtail.core;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** One span of a buffered trace together with the resource and scope it was reported under. */
public final class SpanView {

  private static final HexFormat HEX = HexFormat.of();

  private final Span span;
  private final Resource resource;
  private final InstrumentationScope scope;

  /**
   * Computed on first use: the normaliser and several policies ask for it per span. A racy but
   * benign cache (String is immutable; two threads at worst compute the same value twice).
   */
  private @Nullable String spanIdHex;

  /**
   * What one pass over this span's attribute keys found, or 0 before any pass: kept so that the
   * readers of one decision (the GenAI normaliser, then policies) walk the keys once. Racy but
   * benign, as {@link #spanIdHex}: every pass over the same keys stores the same value.
   */
  private int keyMarks;

  public SpanView(Span span, Resource resource, InstrumentationScope scope) {
    this.span = span;
    this.resource = resource;
    this.scope = scope;
  }

  public Span proto() {
    return span;
  }

  public Resource resource() {
    return resource;
  }

  public InstrumentationScope scope() {
    return scope;
  }

  public String name() {
    return span.getName();
  }

  public String spanIdHex() {
    String hex = spanIdHex;
    if (hex == null) {
      hex = hex(span.getSpanId());
      spanIdHex = hex;
    }
    return hex;
  }

  /**
   * Whether this span's id is {@code hex} (lower-case, as {@link #spanIdHex} writes it), compared
   * without writing this span's id as hex: a policy looking up one call's span passes the others.
   */
  public boolean hasSpanIdHex(String hex) {
    String own = spanIdHex;
    if (own != null) {
      return own.equals(hex);
    }
    ByteString id = span.getSpanId();
    if (hex.length() != 2 * id.size()) {
      return false;
    }
    for (int i = 0; i < id.size(); i++) {
      int b = id.byteAt(i) & 0xFF;
      if (hex.charAt(2 * i) != DIGITS.charAt(b >>> 4)
          || hex.charAt(2 * i + 1) != DIGITS.charAt(b & 0xF)) {
        return false;
      }
    }
    return true;
  }

  private static final String DIGITS = "0123456789abcdef";

  /** Lower-case hex of a span id: a valid one (8 bytes) without copying it into an array first. */
  private static String hex(ByteString id) {
    if (id.size() != 8) {
      return HEX.formatHex(id.toByteArray());
    }
    long bits = 0;
    for (int i = 0; i < 8; i++) {
      bits = (bits << 8) | (id.byteAt(i) & 0xFF);
    }
    return HEX.toHexDigits(bits);
  }

  /**
   * What a pass over this span's attribute keys noted ({@link #keyMarks(int)}), or 0 if none has
   * run: the bits are the pass's own (sampler-policies' {@code SpanKeys}).
   */
  public int keyMarks() {
    return keyMarks;
  }

  /** Keeps what a pass over this span's keys found: non-zero, the same for the same keys. */
  public void keyMarks(int marks) {
    keyMarks = marks;
  }

  /** True for a span without a parent: the root of its trace. */
  public boolean isRoot() {
    return span.getParentSpanId().isEmpty();
  }

  public long startEpochNanos() {
    return span.getStartTimeUnixNano();
  }

  public long endEpochNanos() {
    return span.getEndTimeUnixNano();
  }

  /** End minus start, or 0 when the span has no (valid) end time. */
  public long durationNanos() {
    long d = span.getEndTimeUnixNano() - span.getStartTimeUnixNano();
    return Math.max(0, d);
  }

  public Status.StatusCode statusCode() {
    return span.getStatus().getCode();
  }

  /** The {@code service.name} resource attribute, or {@code "unknown_service"}. */
  public String serviceName() {
    for (KeyValue kv : resource.getAttributesList()) {
      if (kv.getKey().equals("service.name")) {
        return kv.getValue().getStringValue();
      }
    }
    return "unknown_service";
  }

  public Optional<AnyValue> attribute(String key) {
    return find(span.getAttributesList(), key);
  }

  public Optional<AnyValue> resourceAttribute(String key) {
    return find(resource.getAttributesList(), key);
  }

  private static Optional<AnyValue> find(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return Optional.of(kv.getValue());
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return spanIdHex() + "/" + name();
  }
}
