package dev.llmtail.server.replay;

import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import io.opentelemetry.proto.common.v1.AnyValue;

/**
 * What a labelled recording says a trace is, from its {@code llmtail.recording.*} resource
 * attributes (as {@code src-test-fixtures/recordings} writes them): the case, the policy type that
 * must keep it or {@code healthy}, and the capture mode it was recorded in.
 *
 * @param source the library recorded, e.g. {@code openai-openinference}
 * @param recordingCase the case name, e.g. {@code stream-reset}; {@code ""} when unlabelled
 * @param expected the policy type that must keep the trace, {@code healthy} when no LLM policy may
 *     keep it, {@code ""} when unlabelled
 * @param captureMode {@code defaults}, {@code on} or {@code off} (privacy mode: no content)
 */
public record RecordingLabel(
    String source, String recordingCase, String expected, String captureMode) {

  /** An unlabelled trace. */
  public static final RecordingLabel NONE = new RecordingLabel("", "", "", "");

  /** The label value that marks a healthy trace. */
  public static final String HEALTHY = "healthy";

  /** Reads the label from the first span whose resource carries one. */
  public static RecordingLabel of(TraceView trace) {
    for (SpanView s : trace.spans()) {
      String expected = text(s, "llmtail.recording.expected");
      if (!expected.isEmpty()) {
        return new RecordingLabel(
            text(s, "llmtail.recording.source"),
            text(s, "llmtail.recording.case"),
            expected,
            text(s, "llmtail.recording.capture_mode"));
      }
    }
    return NONE;
  }

  private static String text(SpanView s, String key) {
    return s.resourceAttribute(key).map(AnyValue::getStringValue).orElse("");
  }

  /** Whether the recording says what the trace is. */
  public boolean labelled() {
    return !expected.isEmpty();
  }

  /** {@code source/case.mode}, e.g. {@code ai-sdk-v6/stream-reset.off}. */
  public String name() {
    return source + "/" + recordingCase + "." + captureMode;
  }

  /** Whether it was recorded with content capture off. */
  public boolean privacyMode() {
    return captureMode.equals("off");
  }
}
