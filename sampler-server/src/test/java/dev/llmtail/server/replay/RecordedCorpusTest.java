package dev.llmtail.server.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.PolicyVerdict;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.core.Vote;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shipped policy set over traces the real instrumentation libraries wrote ({@code
 * src-test-fixtures/recorded}, see its recorder's README): every failure is kept by the policy
 * whose type its label names, and every healthy recording is kept by no LLM policy.
 */
class RecordedCorpusTest {

  private static final Path CORPUS = Path.of("..", "src-test-fixtures", "recorded");
  private static final Path SHIPPED_CONFIG = Path.of("..", "config", "llmtail.yaml");

  private static LlmtailConfig config;

  @BeforeAll
  static void loadShippedConfig() throws Exception {
    config =
        ConfigLoader.withEnvironment(Map.of("LLMTAIL_EXPORTER_FILE", "unused.jsonl"))
            .load(SHIPPED_CONFIG);
  }

  static Stream<Path> recordings() throws Exception {
    return RecordingFiles.expand(List.of(CORPUS)).stream();
  }

  private record Decided(TraceView trace, Replay.Outcome outcome) {}

  private static Decided decide(Path file) throws Exception {
    RecordedTraces recorded = RecordedTraces.read(List.of(file), ReadProgress.silent());
    assertThat(recorded.traceIds()).as("traces in %s", file).hasSize(1);
    TraceId id = recorded.traceIds().get(0);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    GenAiNormalizer genAi = new GenAiNormalizer(meters);
    TraceView view = recorded.view(id, genAi).orElseThrow();
    Replay replay =
        new Replay(new DecisionEngine(config.policies(), Clock.systemUTC(), meters), genAi);
    return new Decided(view, replay.decide(view));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("recordings")
  void failureIsKeptByThePolicyNamingItAndHealthyTrafficByNoLlmPolicy(Path file) throws Exception {
    Decided decided = decide(file);
    Replay.Outcome outcome = decided.outcome();
    RecordingLabel label = outcome.label();
    assertThat(label.labelled()).as("%s carries llmtail.recording.expected", file).isTrue();
    List<PolicyVerdict> verdicts = outcome.decision().verdicts();
    switch (label.expected()) {
      case RecordingLabel.HEALTHY ->
          assertThat(llmKeeps(verdicts))
              .as("LLM policies keeping the healthy recording %s", label.name())
              .isEmpty();
      case "unobservable" ->
          // Nothing in the trace shows this failure (the label says what hides it); should a
          // policy start keeping it, the label is wrong and must change.
          assertThat(llmKeeps(verdicts)).as("LLM policies keeping %s", label.name()).isEmpty();
      default ->
          assertThat(
                  verdicts.stream()
                      .filter(v -> v.type().equals(label.expected()))
                      .map(v -> v.verdict().vote()))
              .as(
                  "votes of the %s policy for %s (%s)",
                  label.expected(), label.name(), outcome.decision().reason())
              .containsExactly(Vote.KEEP);
    }
  }

  private static List<String> llmKeeps(List<PolicyVerdict> verdicts) {
    return verdicts.stream()
        .filter(v -> PolicyPrecision.LLM_TYPES.contains(v.type()))
        .filter(v -> v.verdict().vote() == Vote.KEEP)
        .map(v -> v.policy() + ": " + v.verdict().reason())
        .toList();
  }

  @Test
  void theCorpusHoldsFailuresAndHealthyTrafficFromEveryLibraryInEveryCaptureMode()
      throws Exception {
    List<Path> files = recordings().toList();
    assertThat(files).hasSizeGreaterThan(400);
    assertThat(files.stream().map(f -> f.getParent().getFileName().toString()).distinct())
        .containsExactlyInAnyOrder(
            "openai-openinference",
            "openai-traceloop",
            "ai-sdk-v6",
            "ai-sdk-v7",
            "langchain-openinference",
            "spring-ai-openai",
            "spring-ai-anthropic",
            "openai-java-otel");
    assertThat(
            files.stream()
                .map(f -> f.getFileName().toString().replaceAll(".*\\.(\\w+)\\.json", "$1"))
                .distinct())
        .containsExactlyInAnyOrder("defaults", "on", "off");
  }
}
