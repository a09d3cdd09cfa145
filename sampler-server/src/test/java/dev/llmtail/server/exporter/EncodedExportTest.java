package dev.llmtail.server.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.Decision;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.SamplingAnnotations;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.server.replay.ReadProgress;
import dev.llmtail.server.replay.RecordedTraces;
import dev.llmtail.server.replay.RecordingFiles;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.Drainable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kept spans leave as the bytes llmtail holds, with the sampling attributes appended on the wire:
 * what the backend receives must parse to exactly what decoding, annotating the messages and
 * encoding them again ({@link SamplingAnnotations#annotate}) sent before.
 */
class EncodedExportTest {

  private static final Path CORPUS = Path.of("..", "src-test-fixtures", "recorded");

  static Stream<Path> recordings() throws Exception {
    return RecordingFiles.expand(List.of(CORPUS)).stream();
  }

  /** An exporter that keeps what it was given, as the export request it would send. */
  private static final class CapturingExporter implements SpanExporter {
    final List<ResourceSpans> spans = new ArrayList<>();
    final List<ResourceLogs> logs = new ArrayList<>();

    @Override
    public boolean export(List<ResourceSpans> batch, int spanCount) {
      throw new AssertionError("kept spans should reach the exporter encoded");
    }

    @Override
    public boolean exportEncoded(List<byte[]> resourceSpans, int spanCount, Runnable settled) {
      try {
        // As gRPC writes it: the marshaller's stream drained into the transport.
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        ((Drainable) EncodedSpansRequest.MARSHALLER.stream(resourceSpans)).drainTo(wire);
        spans.addAll(
            ExportTraceServiceRequest.parseFrom(wire.toByteArray()).getResourceSpansList());
      } catch (Exception e) {
        throw new AssertionError("the encoded request does not parse", e);
      }
      settled.run();
      return true;
    }

    @Override
    public boolean exportLogs(List<ResourceLogs> batch, int recordCount) {
      logs.addAll(batch);
      return true;
    }

    @Override
    public ExportStatus status() {
      return ExportStatus.working("captured");
    }

    @Override
    public void shutdown(Duration deadline) {}
  }

  private final CapturingExporter exporter = new CapturingExporter();
  private final KeptTraceForwarder forwarder =
      new KeptTraceForwarder(exporter, new SimpleMeterRegistry());

  @ParameterizedTest(name = "{0}")
  @MethodSource("recordings")
  void aKeptRecordingIsExportedAsTheDecodedAndAnnotatedMessagesWere(Path file) throws Exception {
    RecordedTraces recorded = RecordedTraces.read(List.of(file), ReadProgress.silent());
    for (TraceId id : recorded.traceIds()) {
      TraceView parsed =
          recorded.view(id, new GenAiNormalizer(new SimpleMeterRegistry())).orElseThrow();
      // As the buffer hands it over: the bytes the store held beside the messages parsed from them.
      List<byte[]> held = parsed.fragments().stream().map(ResourceSpans::toByteArray).toList();
      TraceView stored = TraceView.stored(id, held, parsed.fragments(), parsed.logs());

      forwarder.onDecided(decision(id, "kept by llm_errors", 4, DecisionTrigger.COMPLETE), stored);

      assertThat(exporter.spans)
          .as("spans of %s", file)
          .isNotEmpty()
          .isEqualTo(
              SamplingAnnotations.annotate(
                  parsed.fragments(), "kept by llm_errors", 4, false, false));
      assertThat(exporter.logs).as("log records of %s", file).isEqualTo(parsed.logs());
      exporter.spans.clear();
      exporter.logs.clear();
    }
  }

  @Test
  void aTraceWithLogRecordsLateSpansAndAPromotionIsExportedAsBefore() {
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat").attribute("http.route", "/chat").error("upstream 502");
    trace.child("chat gpt-4o").attribute("gen_ai.request.model", "gpt-4o");
    LogFragment evaluation = trace.logRecord("judge: answer was wrong");
    List<ResourceSpans> fragments = trace.fragments().stream().map(TraceFragment::spans).toList();
    TraceView view =
        TraceView.stored(
            trace.traceId(),
            fragments.stream().map(ResourceSpans::toByteArray).toList(),
            fragments,
            List.of(evaluation.logs()));
    TraceBuilder late = TraceBuilder.trace(trace.traceIdHex());
    late.child("tool search").attribute("gen_ai.tool.name", "search");
    TraceFragment lateSpans = late.fragments().get(0);

    forwarder.onDecided(
        decision(trace.traceId(), "kept by errors", 1.5, DecisionTrigger.COMPLETE), view);
    forwarder.onLateSpans(new RememberedDecision(true, "kept by errors", 1.5), lateSpans);
    forwarder.onDecided(
        decision(trace.traceId(), "kept on request", 1, DecisionTrigger.PROMOTED), view);

    List<ResourceSpans> before = new ArrayList<>();
    before.addAll(SamplingAnnotations.annotate(fragments, "kept by errors", 1.5, false, false));
    before.addAll(
        SamplingAnnotations.annotate(
            List.of(lateSpans.spans()), "kept by errors", 1.5, true, false));
    before.addAll(SamplingAnnotations.annotate(fragments, "kept on request", 1, false, true));
    assertThat(exporter.spans).isEqualTo(before);
    assertThat(exporter.spans.get(2).getScopeSpans(0).getSpans(0).getAttributesList())
        .as("a promoted span says so")
        .anySatisfy(kv -> assertThat(kv.getKey()).isEqualTo(SamplingAnnotations.PROMOTED));
    assertThat(exporter.logs).containsExactly(evaluation.logs(), evaluation.logs());
  }

  @Test
  void aViewBuiltFromMessagesIsEncodedOnceForExport() {
    TraceBuilder trace = TraceBuilder.trace();
    trace.root("POST /chat");
    TraceView view = trace.view();

    forwarder.onDecided(
        decision(trace.traceId(), "kept by errors", 1, DecisionTrigger.COMPLETE), view);

    assertThat(exporter.spans)
        .isEqualTo(
            SamplingAnnotations.annotate(view.fragments(), "kept by errors", 1, false, false));
  }

  private static Decision decision(
      TraceId id, String reason, double adjustedCount, DecisionTrigger trigger) {
    return new Decision(id, true, reason, adjustedCount, trigger, Instant.EPOCH, List.of());
  }
}
