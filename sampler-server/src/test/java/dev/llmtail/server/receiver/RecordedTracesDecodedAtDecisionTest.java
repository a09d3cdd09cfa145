package dev.llmtail.server.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.buffer.BufferSettings;
import dev.llmtail.core.buffer.DecisionListener;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceSlicer;
import dev.llmtail.server.codec.OtlpJson;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every recorded trace, received, buffered and decided, reaches its policies and listeners as
 * protobuf parses its stored bytes: the buffer's own decoder changes nothing they see.
 */
class RecordedTracesDecodedAtDecisionTest {

  private static final Path CORPUS = Path.of("..", "src-test-fixtures", "recorded");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyRecordedTraceIsDecidedOnTheMessagesProtobufParses() throws Exception {
    List<TraceView> decided = new ArrayList<>();
    TraceBuffer buffer =
        TraceBuffer.builder()
            .settings(
                new BufferSettings(
                    Duration.ofSeconds(10),
                    Duration.ofMinutes(1),
                    1_000_000,
                    1L << 30,
                    0, // remembers no decision: a trace id seen again is a new trace
                    Duration.ofMinutes(1)))
            .engine(
                () -> new DecisionEngine(List.of(), Clock.systemUTC(), new SimpleMeterRegistry()))
            .listener(DecisionListener.ofDecided((decision, trace) -> decided.add(trace)))
            .build();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(CORPUS)) {
      files = walk.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    int spans = 0;
    for (Path file : files) {
      try (MappingIterator<JsonNode> objects =
          JSON.readerFor(JsonNode.class).readValues(file.toFile())) {
        while (objects.hasNext()) {
          JsonNode object = objects.next();
          if (object.has("resourceSpans")) {
            TracesData.Builder data = TracesData.newBuilder();
            OtlpJson.merge(object, data);
            List<TraceFragment> fragments =
                TraceSlicer.slice(data.build().toByteArray()).group().fragments();
            buffer.admit(fragments);
            spans += fragments.stream().mapToInt(TraceFragment::spanCount).sum();
          }
        }
      }
      // Each file's traces decided apart: recordings reuse trace ids from file to file.
      buffer.decideAll(DecisionTrigger.SHUTDOWN);
    }

    assertThat(decided).hasSizeGreaterThan(700);
    assertThat(decided.stream().mapToInt(TraceView::spanCount).sum()).isEqualTo(spans);
    for (TraceView trace : decided) {
      List<ResourceSpans> parsed = new ArrayList<>();
      for (byte[] stored : trace.encodedFragments()) {
        parsed.add(ResourceSpans.parseFrom(stored));
      }
      assertThat(trace.fragments()).as("trace %s", trace.traceId()).isEqualTo(parsed);
    }
  }
}
