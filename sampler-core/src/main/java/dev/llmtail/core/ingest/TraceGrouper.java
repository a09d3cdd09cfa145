package dev.llmtail.core.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.List;

/**
 * Splits resource spans held as messages (OTLP JSON, replayed recordings, tests) into one fragment
 * per trace id, rejecting spans whose ids are not valid: it encodes them once and lets {@link
 * TraceSlicer} do what it does for a request that arrived encoded.
 *
 * <p>A span is rejected when its trace id is not 16 bytes or all zero, its span id is not 8 bytes
 * or all zero, or its parent span id is neither empty nor 8 bytes. Everything else is accepted as
 * is. Stateless and thread-safe.
 */
public final class TraceGrouper {

  private TraceGrouper() {}

  public static GroupedRequest group(List<ResourceSpans> resourceSpansList) {
    byte[] encoded =
        TracesData.newBuilder().addAllResourceSpans(resourceSpansList).build().toByteArray();
    try {
      return TraceSlicer.slice(encoded).group();
    } catch (InvalidProtocolBufferException e) {
      // A message that does not parse back: a string field set from bytes that are not UTF-8.
      throw new IllegalArgumentException(
          "resource spans do not encode as valid OTLP (" + e.getMessage() + ")", e);
    }
  }
}
