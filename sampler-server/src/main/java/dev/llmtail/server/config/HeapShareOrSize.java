package dev.llmtail.server.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A bound on bytes held in memory as written in config: a size ({@code 256MiB}, as {@link
 * ByteSize}) or a share of the JVM's max heap ({@code 40%}), resolved to bytes once at start.
 *
 * <p>A share follows the container: the image sizes the heap from the container's memory limit, so
 * {@code 40%} of it grows and shrinks with the pod, where a fixed size has to be changed by hand
 * with the limit. It is capped at {@link #MAX_PERCENT} because the heap also holds the decision
 * log, the caches and the exporter's queue (docs/configuration.md, "The buffer and the heap").
 *
 * @param size the fixed size, or null for a share
 * @param percent the share of the max heap in percent, when {@code size} is null
 */
public record HeapShareOrSize(@Nullable ByteSize size, int percent) {

  /** The largest share accepted: above it the rest of the heap is too small for the rest. */
  static final int MAX_PERCENT = 90;

  private static final long MIB = 1L << 20;

  private static final Pattern PERCENT = Pattern.compile("(\\d{1,3})\\s*%");

  public HeapShareOrSize {
    if (size == null && (percent < 1 || percent > MAX_PERCENT)) {
      throw new IllegalArgumentException(
          percent
              + "% of the max heap "
              + (percent < 1 ? "holds nothing" : "leaves too little for the rest of llmtail")
              + " (expected: 1% to "
              + MAX_PERCENT
              + "% of the max heap, e.g. 40%, or a size, e.g. 256MiB)");
    }
  }

  /** A fixed size. */
  static HeapShareOrSize of(ByteSize size) {
    return new HeapShareOrSize(size, 0);
  }

  @JsonCreator
  static HeapShareOrSize parse(Object value) {
    if (value instanceof Number) {
      return of(ByteSize.parse(value));
    }
    String text = String.valueOf(value).trim();
    Matcher m = PERCENT.matcher(text);
    if (m.matches()) {
      return new HeapShareOrSize(null, Integer.parseInt(m.group(1)));
    }
    if (text.endsWith("%")) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a share of the max heap (expected: a whole percentage from 1% to "
              + MAX_PERCENT
              + "%, e.g. 40%)");
    }
    try {
      return of(ByteSize.parse(text));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is neither a size nor a share of the max heap (expected: a number with KiB,"
              + " MiB, GiB, KB, MB, GB, e.g. 256MiB, or a percentage, e.g. 40%)",
          e);
    }
  }

  /**
   * The bound in bytes for a JVM whose max heap is {@code maxHeap} bytes; a share is rounded down
   * to whole MiB, so that logs and {@code /debug/config} show it as a size.
   */
  public long bytes(long maxHeap) {
    if (size != null) {
      return size.bytes();
    }
    // maxMemory() is Long.MAX_VALUE when the JVM has no limit.
    long share = maxHeap > Long.MAX_VALUE / 100 ? maxHeap / 100 * percent : maxHeap * percent / 100;
    return share >= MIB ? share / MIB * MIB : Math.max(1, share);
  }

  @JsonValue
  @Override
  public String toString() {
    return size != null ? size.toString() : percent + "%";
  }
}
