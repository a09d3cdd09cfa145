package dev.llmtail.core;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the sampling decision onto kept spans, so that a backend shows why a trace was kept and
 * can re-weight counts: {@value #REASON} (e.g. {@code "kept by errors"}), {@value #ADJUSTED_COUNT}
 * (how many traces this one stands for), on spans that arrived after the decision, {@value #LATE},
 * and on the spans of a dropped trace kept afterwards ({@link DecisionTrigger#PROMOTED}), {@value
 * #PROMOTED}.
 */
public final class SamplingAnnotations {

  public static final String REASON = "llmtail.sampling.reason";
  public static final String ADJUSTED_COUNT = "llmtail.sampling.adjusted_count";
  public static final String LATE = "llmtail.sampling.late";
  public static final String PROMOTED = "llmtail.sampling.promoted";

  private SamplingAnnotations() {}

  /** Returns copies of the fragments whose every span carries the decision attributes. */
  public static List<ResourceSpans> annotate(
      List<ResourceSpans> fragments, String reason, double adjustedCount, boolean late) {
    return annotate(fragments, reason, adjustedCount, late, false);
  }

  /** As above; {@code promoted} adds {@value #PROMOTED} for a dropped trace kept afterwards. */
  public static List<ResourceSpans> annotate(
      List<ResourceSpans> fragments,
      String reason,
      double adjustedCount,
      boolean late,
      boolean promoted) {
    List<KeyValue> extra = attributes(reason, adjustedCount, late, promoted);
    List<ResourceSpans> out = new ArrayList<>(fragments.size());
    for (ResourceSpans rs : fragments) {
      ResourceSpans.Builder rsb = rs.toBuilder();
      for (ScopeSpans.Builder ssb : rsb.getScopeSpansBuilderList()) {
        for (Span.Builder sb : ssb.getSpansBuilderList()) {
          sb.addAllAttributes(extra);
        }
      }
      out.add(rsb.build());
    }
    return out;
  }

  /**
   * As {@link #annotate(List, String, double, boolean, boolean)}, on encoded {@code ResourceSpans}
   * (e.g. the bytes a span store holds): the attributes are appended to each encoded span, so the
   * result parses to what {@code annotate} returns for the parsed fragments, without building
   * messages or encoding them again.
   *
   * @throws IllegalArgumentException if an element is not an encoded {@code ResourceSpans}
   */
  public static List<byte[]> annotateEncoded(
      List<byte[]> fragments, String reason, double adjustedCount, boolean late, boolean promoted) {
    EncodedSpansAppender appender =
        new EncodedSpansAppender(attributes(reason, adjustedCount, late, promoted));
    List<byte[]> out = new ArrayList<>(fragments.size());
    for (byte[] rs : fragments) {
      out.add(appender.append(rs));
    }
    return out;
  }

  private static List<KeyValue> attributes(
      String reason, double adjustedCount, boolean late, boolean promoted) {
    List<KeyValue> extra = new ArrayList<>(4);
    extra.add(kv(REASON, AnyValue.newBuilder().setStringValue(reason).build()));
    extra.add(kv(ADJUSTED_COUNT, AnyValue.newBuilder().setDoubleValue(adjustedCount).build()));
    if (late) {
      extra.add(kv(LATE, AnyValue.newBuilder().setBoolValue(true).build()));
    }
    if (promoted) {
      extra.add(kv(PROMOTED, AnyValue.newBuilder().setBoolValue(true).build()));
    }
    return extra;
  }

  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }
}
