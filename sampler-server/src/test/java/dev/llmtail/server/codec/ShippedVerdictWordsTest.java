package dev.llmtail.server.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.DecisionTrigger;
import dev.llmtail.core.SpanView;
import dev.llmtail.core.TraceView;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The words the shipped policy set gives for traces none of its LLM policies matches, as {@code
 * /debug} and the decision log's JSON render them, pinned byte for byte: most of these answers are
 * shared verdicts formatted when first read (CountedVerdicts), and must read exactly as the words
 * each trace once built for itself. Span ids are written as their position in the trace, since the
 * fixtures draw them from one seeded sequence that depends on which tests ran before.
 */
class ShippedVerdictWordsTest {

  private static final Path SHIPPED = Path.of("..", "config", "llmtail.yaml");

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final GenAiNormalizer genAi = new GenAiNormalizer(meters);
  private final DecisionJson json = DecisionJson.showingContent(false);

  private DecisionEngine engine() throws Exception {
    return new DecisionEngine(
        ConfigLoader.withEnvironment(Map.of()).parse(SHIPPED, Files.readString(SHIPPED)).policies(),
        Clock.fixed(Instant.parse("2026-11-29T14:00:00Z"), ZoneOffset.UTC),
        meters);
  }

  private static TraceView plain() {
    TraceBuilder t = TraceBuilder.trace("4bf92f3577b34da6a3ce929d0e0e4736").service("shop");
    TraceBuilder.SpanBuilder root = t.root("GET /cart").durationMillis(120);
    root.child("SELECT cart").durationMillis(20).attribute("db.system", "postgresql");
    root.child("GET /prices").durationMillis(40).attribute("http.response.status_code", 200L);
    return t.view();
  }

  private TraceView chat(String traceId, int calls) {
    LlmCallSpec[] specs = new LlmCallSpec[calls];
    for (int i = 0; i < calls; i++) {
      specs[i] = LlmCallSpec.healthy();
    }
    return LlmTraces.chat(traceId, Dialect.OTEL_GENAI, specs).view().withGenAi(genAi);
  }

  /** The decision's JSON with each span id replaced by {@code span-<its position>}. */
  private String rendered(DecisionEngine engine, TraceView trace) {
    String out = json.write(engine.decide(trace, DecisionTrigger.COMPLETE)).toString();
    List<SpanView> spans = trace.spans();
    for (int i = 0; i < spans.size(); i++) {
      out = out.replace(spans.get(i).spanIdHex(), "span-" + i);
    }
    return out;
  }

  private static List<String> expected() throws IOException {
    try (InputStream in =
        Objects.requireNonNull(
            ShippedVerdictWordsTest.class.getResourceAsStream("shipped-verdict-words.jsonl"))) {
      return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
    }
  }

  @Test
  void rendersTheNoMatchAnswersOfTheShippedPolicySetAsTheyWereWritten() throws Exception {
    DecisionEngine engine = engine();
    List<TraceView> traces =
        List.of(
            plain(),
            chat("5bf92f3577b34da6a3ce929d0e0e4736", 1),
            chat("6bf92f3577b34da6a3ce929d0e0e4736", 2),
            // more calls than a policy shares verdicts for: words of its own
            chat("7bf92f3577b34da6a3ce929d0e0e4736", 40));
    List<String> expected = expected();
    for (int i = 0; i < traces.size(); i++) {
      // Twice: the second decision reads words that the first one put into words already.
      assertThat(rendered(engine, traces.get(i))).isEqualTo(expected.get(i));
      assertThat(rendered(engine, traces.get(i))).isEqualTo(expected.get(i));
    }
    assertThat(Collections.frequency(expected, "")).isZero();
  }
}
