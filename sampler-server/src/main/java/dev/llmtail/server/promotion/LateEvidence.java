package dev.llmtail.server.promotion;

import dev.llmtail.core.Decision;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Hands spans and log records that arrive for a dropped trace to {@link
 * TracePromoter#weighLateEvidence}: an evaluation, a feedback span or an error that comes after the
 * decision may still keep the trace. Listens after the exporter's forwarder, so the late spans are
 * counted dropped before a promotion counts the whole trace in again.
 *
 * <p>{@link #carries} tells evidence from the rest of a trace's data, so that a fragment for a
 * trace the decision cache forgot costs a span log read only when it may change the decision
 * ({@link SpanLogRecall}). It errs toward evidence: a fragment it passes is weighed by the
 * policies, which have the last word.
 */
public final class LateEvidence implements DecisionListener {

  /** Attribute prefixes of evaluator, guardrail and feedback results, in every dialect read. */
  private static final List<String> RESULT_PREFIXES =
      List.of("gen_ai.evaluation.", "gen_ai.guardrail.", "evaluations.", "annotations.");

  /** Reads {@link #carries(TraceFragment)} from the fragment's bytes, without its messages. */
  private static final EncodedEvidence ENCODED = new EncodedEvidence(RESULT_PREFIXES);

  /**
   * Log events that are part of an LLM call itself (its prompt and answer), not a verdict on it.
   */
  private static final Set<String> CALL_EVENTS =
      Set.of(
          "gen_ai.system.message",
          "gen_ai.user.message",
          "gen_ai.assistant.message",
          "gen_ai.tool.message",
          "gen_ai.choice",
          "gen_ai.client.inference.operation.details");

  private final Consumer<TraceId> weigh;

  /**
   * @param weigh {@link TracePromoter#weighLateEvidence} of the running promoter
   */
  public LateEvidence(Consumer<TraceId> weigh) {
    this.weigh = weigh;
  }

  /**
   * Whether these spans may be evidence: a span that failed, or that carries an evaluation,
   * guardrail or feedback result (as attributes or a {@code gen_ai.evaluation.result} event).
   */
  public static boolean carries(TraceFragment fragment) {
    try {
      return ENCODED.carries(fragment.encoded());
    } catch (IOException e) {
      throw new IllegalStateException(
          "fragment of trace "
              + fragment.traceId()
              + " ("
              + fragment.size()
              + " bytes) is not an encoded ResourceSpans: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Whether these log records may be evidence: any record but the prompt and answer events of a
   * call ({@code gen_ai.choice}, {@code gen_ai.user.message}, …), which come with their trace.
   */
  public static boolean carries(LogFragment fragment) {
    for (ScopeLogs sl : fragment.logs().getScopeLogsList()) {
      for (LogRecord record : sl.getLogRecordsList()) {
        if (!CALL_EVENTS.contains(eventName(record))) {
          return true;
        }
      }
    }
    return false;
  }

  private static String eventName(LogRecord record) {
    if (!record.getEventName().isEmpty()) {
      return record.getEventName();
    }
    for (KeyValue kv : record.getAttributesList()) {
      if (kv.getKey().equals("event.name")) {
        return kv.getValue().getStringValue();
      }
    }
    return "";
  }

  @Override
  public void onDecided(Decision decision, TraceView trace) {}

  @Override
  public void onLateSpans(RememberedDecision decision, TraceFragment fragment) {
    if (!decision.kept()) {
      weigh.accept(fragment.traceId());
    }
  }

  @Override
  public void onLateLogs(RememberedDecision decision, LogFragment fragment) {
    if (!decision.kept()) {
      weigh.accept(fragment.traceId());
    }
  }
}
