package dev.llmtail.server.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The forwarder tells the span log what settled, spans and log records apart, late ones included,
 * and only once the exporter settled them: until then the log holds them for a restart.
 */
class KeptTraceForwarderTest {

  private static final RememberedDecision KEPT = new RememberedDecision(true, "kept by errors", 1);

  /** An exporter that settles only when told to. */
  private static final class HeldExporter implements SpanExporter {
    final List<Runnable> unsettled = new ArrayList<>();

    @Override
    public boolean export(List<ResourceSpans> spans, int spanCount) {
      return true;
    }

    @Override
    public boolean export(List<ResourceSpans> spans, int spanCount, Runnable settled) {
      unsettled.add(settled);
      return true;
    }

    @Override
    public boolean exportLogs(List<ResourceLogs> logs, int recordCount) {
      return true;
    }

    @Override
    public boolean exportLogs(List<ResourceLogs> logs, int recordCount, Runnable settled) {
      unsettled.add(settled);
      return true;
    }

    @Override
    public ExportStatus status() {
      return ExportStatus.working("held");
    }

    @Override
    public void shutdown(Duration deadline) {}

    void settleAll() {
      unsettled.forEach(Runnable::run);
      unsettled.clear();
    }
  }

  private final HeldExporter exporter = new HeldExporter();
  private final List<ResourceSpans> deliveredSpans = new ArrayList<>();
  private final List<ResourceLogs> deliveredLogs = new ArrayList<>();
  private final KeptTraceForwarder forwarder =
      new KeptTraceForwarder(
          exporter,
          KeptTraceForwarder.Delivered.of(
              (id, spans) -> deliveredSpans.addAll(spans),
              (id, logs) -> deliveredLogs.addAll(logs)),
          new SimpleMeterRegistry());

  @Test
  void keptTraceSettlesItsSpansAndItsLogRecordsApart() {
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat");
    LogFragment evaluation = trace.logRecord("judge: answer was wrong");
    TraceView view =
        TraceView.of(
            trace.traceId(),
            trace.fragments().stream().map(TraceFragment::spans).toList(),
            List.of(evaluation.logs()));

    forwarder.onDecided(kept(trace.traceId()), view);
    assertThat(deliveredSpans).as("nothing settled yet").isEmpty();
    assertThat(exporter.unsettled).hasSize(2);

    exporter.unsettled.get(0).run();
    assertThat(deliveredSpans).isEqualTo(view.fragments());
    assertThat(deliveredLogs).as("the log records settle on their own").isEmpty();
    exporter.unsettled.get(1).run();
    assertThat(deliveredLogs).containsExactly(evaluation.logs());
  }

  @Test
  void lateSpansAndLogRecordsOfAKeptTraceAreHeldUntilTheirOwnExportSettles() {
    TraceBuilder late = TraceBuilder.trace();
    late.child("chat gpt-4o");
    TraceFragment lateSpans = late.fragments().get(0);
    LogFragment lateLog = late.logRecord("user feedback: thumbs down");

    forwarder.onLateSpans(KEPT, lateSpans);
    forwarder.onLateLogs(KEPT, lateLog);
    assertThat(deliveredSpans).isEmpty();
    assertThat(deliveredLogs).isEmpty();

    exporter.settleAll();
    assertThat(deliveredSpans).containsExactly(lateSpans.spans());
    assertThat(deliveredLogs).containsExactly(lateLog.logs());
  }

  private static Decision kept(TraceId traceId) {
    return new Decision(
        traceId, true, KEPT.reason(), 1, DecisionTrigger.COMPLETE, Instant.EPOCH, List.of());
  }
}
