package dev.llmtail.policies.genai;

import com.google.protobuf.ByteString;
import dev.llmtail.core.SpanView;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A trace's spans as the GenAI normaliser reads them: each span's attribute view, and its parent by
 * span id when asked.
 *
 * <p>Spans that share a span id (a span sent twice, or a broken exporter) are one span to the
 * readers: every one of them is read with the attributes of the last, and the parent of an id is
 * that of its last span that has one. Only then, or when span ids are not 8 bytes, is a map of ids
 * built; otherwise views are by position, and a span {@link PlainSpans} rules out gets none. The
 * parents are built on first use: only a trace with a wrapper or a grading span walks up the tree.
 */
final class TraceSpans {

  private static final HexFormat HEX = HexFormat.of();

  /** Above this many spans, repeated ids are found by sorting rather than in pairs. */
  private static final int PAIRWISE = 32;

  private final List<SpanView> spans;

  /** Per span, the view of the last span with its id; null for a plain span. */
  private final @Nullable SpanAttributes[] views;

  /** Per span, the position of the last span with its id; null when every id is distinct. */
  private final int @Nullable [] owners;

  private final boolean anyViewed;
  private @Nullable Map<String, String> parents;

  private TraceSpans(
      List<SpanView> spans,
      @Nullable SpanAttributes[] views,
      int @Nullable [] owners,
      boolean anyViewed) {
    this.spans = spans;
    this.views = views;
    this.owners = owners;
    this.anyViewed = anyViewed;
  }

  /**
   * The spans with their views, malformed values reported to {@code ignored}; with {@code triage}
   * false every span gets a view (the general path the tests compare the fast one with).
   */
  static TraceSpans of(List<SpanView> spans, Consumer<String> ignored, boolean triage) {
    int n = spans.size();
    @Nullable SpanAttributes[] views = new SpanAttributes[n];
    if (!triage || !distinctIds(spans)) {
      Map<String, Integer> last = new HashMap<>();
      for (int i = 0; i < n; i++) {
        last.put(spans.get(i).spanIdHex(), i);
      }
      int[] owners = new int[n];
      for (int i = 0; i < n; i++) {
        owners[i] = Objects.requireNonNull(last.get(spans.get(i).spanIdHex()));
      }
      for (int i = 0; i < n; i++) {
        if (owners[i] == i) {
          views[i] = new SpanAttributes(spans.get(i).proto().getAttributesList(), ignored);
        }
      }
      for (int i = 0; i < n; i++) {
        views[i] = views[owners[i]];
      }
      return new TraceSpans(spans, views, owners, n > 0);
    }
    boolean any = false;
    for (int i = 0; i < n; i++) {
      SpanView s = spans.get(i);
      if (!PlainSpans.plain(s)) {
        views[i] = new SpanAttributes(s.proto().getAttributesList(), ignored);
        any = true;
      }
    }
    return new TraceSpans(spans, views, null, any);
  }

  /** Whether every span id is 8 bytes and no two are equal. */
  private static boolean distinctIds(List<SpanView> spans) {
    int n = spans.size();
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ByteString id = spans.get(i).proto().getSpanId();
      if (id.size() != 8) {
        return false;
      }
      long bits = 0;
      for (int b = 0; b < 8; b++) {
        bits = (bits << 8) | (id.byteAt(b) & 0xFF);
      }
      ids[i] = bits;
    }
    if (n > PAIRWISE) {
      Arrays.sort(ids);
      for (int i = 1; i < n; i++) {
        if (ids[i] == ids[i - 1]) {
          return false;
        }
      }
      return true;
    }
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (ids[i] == ids[j]) {
          return false;
        }
      }
    }
    return true;
  }

  int size() {
    return spans.size();
  }

  SpanView span(int i) {
    return spans.get(i);
  }

  /** The attributes span {@code i} is read with, or null if it has nothing to read. */
  @Nullable SpanAttributes attributes(int i) {
    return views[i];
  }

  /** Whether any span has something to read. */
  boolean anyViewed() {
    return anyViewed;
  }

  /** The span that speaks for span {@code i}'s id: the last one with that id. */
  SpanView speaker(int i) {
    return spans.get(owners == null ? i : owners[i]);
  }

  /** The hex id of the parent of the span with hex id {@code id}, or null. */
  @Nullable String parentOf(String id) {
    Map<String, String> p = parents;
    if (p == null) {
      p = new HashMap<>();
      for (SpanView s : spans) {
        if (!s.isRoot()) {
          p.put(s.spanIdHex(), HEX.formatHex(s.proto().getParentSpanId().toByteArray()));
        }
      }
      parents = p;
    }
    return p.get(id);
  }
}
