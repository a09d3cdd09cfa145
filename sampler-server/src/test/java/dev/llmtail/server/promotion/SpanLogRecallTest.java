package dev.llmtail.server.promotion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.BufferSettings;
import dev.llmtail.core.buffer.FanOutListener;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.LogGrouper;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.server.storage.KeepNothingSpanLog;
import dev.llmtail.server.storage.LoggedDecision;
import dev.llmtail.server.storage.SpanLog;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The span log is read for a fragment of a trace the decision cache forgot only when the fragment
 * carries evidence: the first span of an ordinary new trace costs no read, an evaluation or an
 * error one.
 */
class SpanLogRecallTest {

  private static final RememberedDecision DROPPED =
      new RememberedDecision(false, "no policy matched", 1);

  /** A span log that only answers what it decided, and counts how often it was asked. */
  private static final class CountingLog extends KeepNothingSpanLog {
    int reads;
    @Nullable LoggedDecision decision;

    @Override
    public Optional<LoggedDecision> loggedDecision(TraceId traceId) {
      reads++;
      return Optional.ofNullable(decision);
    }
  }

  private final CountingLog log = new CountingLog();
  private final SpanLogRecall recall =
      new SpanLogRecall(log, new DecisionLog(100, Duration.ofHours(1), false, Clock.systemUTC()));

  private static TraceFragment spans(TraceBuilder trace) {
    return trace.fragments().get(0);
  }

  /** One log record of trace {@code traceId}: the event {@code name} with string attributes. */
  static LogFragment event(TraceId traceId, String name, String... keyValues) {
    LogRecord.Builder record =
        LogRecord.newBuilder()
            .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(traceId.toHex())))
            .setEventName(name);
    for (int i = 0; i < keyValues.length; i += 2) {
      record.addAttributes(
          KeyValue.newBuilder()
              .setKey(keyValues[i])
              .setValue(AnyValue.newBuilder().setStringValue(keyValues[i + 1])));
    }
    return LogGrouper.group(
            List.of(
                ResourceLogs.newBuilder()
                    .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(record))
                    .build()))
        .fragments()
        .get(0);
  }

  @Test
  void spansAndCallEventsWithoutEvidenceAreAnsweredWithoutReading() {
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat").child("chat gpt-4o").attribute("gen_ai.operation.name", "chat");

    assertThat(recall.spans(spans(trace))).isEmpty();
    assertThat(recall.logs(event(trace.traceId(), "gen_ai.choice"))).isEmpty();
    assertThat(recall.logs(event(trace.traceId(), "gen_ai.user.message"))).isEmpty();
    assertThat(log.reads).isZero();
  }

  @Test
  void evidenceCostsOneReadAndFollowsTheLoggedDecision() {
    log.decision = new LoggedDecision(DROPPED, Instant.parse("2026-01-01T00:00:00Z"), false);
    TraceBuilder failed = TraceBuilder.trace();
    failed.child("user feedback").error("thumbs down");
    TraceBuilder evaluated = TraceBuilder.trace();
    evaluated.child("judge").attribute("gen_ai.evaluation.score.label", "incorrect");

    assertThat(recall.spans(spans(failed))).hasValue(DROPPED);
    assertThat(log.reads).isEqualTo(1);
    assertThat(recall.spans(spans(evaluated))).hasValue(DROPPED);
    assertThat(recall.logs(event(failed.traceId(), "gen_ai.evaluation.result"))).hasValue(DROPPED);
    assertThat(log.reads).isEqualTo(3);
  }

  @Test
  void throughTheBufferOnlyTheFirstEvidenceOfATraceItDoesNotKnowIsRead() {
    TraceBuffer buffer =
        TraceBuffer.builder()
            .settings(
                new BufferSettings(
                    Duration.ofSeconds(10),
                    Duration.ofMinutes(5),
                    1000,
                    1 << 20,
                    1000,
                    Duration.ofMinutes(10),
                    Integer.MAX_VALUE,
                    Long.MAX_VALUE))
            .engine(
                () -> new DecisionEngine(List.of(), Clock.systemUTC(), new SimpleMeterRegistry()))
            .listener(new FanOutListener(List.of()))
            .recall(recall)
            .build();
    List<TraceBuilder> traces = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      TraceBuilder trace = TraceBuilder.trace();
      trace.root("POST /chat " + i).child("chat gpt-4o");
      traces.add(trace);
      buffer.admit(trace.fragments());
    }
    assertThat(log.reads).as("new traces without evidence").isZero();

    TraceBuilder lateError = TraceBuilder.trace(traces.get(0).traceIdHex());
    lateError.child("tool").error("failed");
    buffer.admit(lateError.fragments());
    assertThat(log.reads).as("evidence for a trace the buffer holds").isZero();

    TraceBuilder newError = TraceBuilder.trace();
    newError.root("POST /chat").error("boom");
    buffer.admit(newError.fragments());
    buffer.admitLogs(List.of(event(newError.traceId(), "gen_ai.evaluation.result")));
    assertThat(log.reads).as("evidence opening a trace, then joining it").isEqualTo(1);
    assertThat(buffer.bufferedTraces()).isEqualTo(101);
  }

  @Test
  void evidenceForATraceNobodyKnowsOpensANewTrace() {
    TraceBuilder failed = TraceBuilder.trace();
    failed.root("POST /chat").error("boom");

    assertThat(recall.spans(spans(failed))).isEmpty();
    assertThat(log.reads).isEqualTo(1);
  }

  @Test
  void withoutASpanLogOnDiskThereIsNothingToRecall() {
    assertThatThrownBy(
            () ->
                new SpanLogRecall(
                    SpanLog.memoryOnly(),
                    new DecisionLog(100, Duration.ofHours(1), false, Clock.systemUTC())))
        .hasMessageContaining("storage.directory")
        .hasMessageContaining("DecisionRecall.NONE");
  }
}
