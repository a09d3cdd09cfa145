package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmtail.core.SamplingAnnotations;
import dev.llmtail.server.exporter.FileExporter;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code llmtail replay} and {@code llmtail explain} over what the file exporter wrote. */
class ReplayCommandTest {

  private static final String CONFIG =
      """
      exporter:
        otlp:
          endpoint: localhost:4317
      policies:
        - name: refusals
          type: refusal
        - name: slow
          type: latency
          threshold: 10s
      """;

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private Path config;
  private Path recording;
  private TraceBuilder refused;
  private TraceBuilder healthy;

  @BeforeEach
  void record() throws Exception {
    config = Files.writeString(dir.resolve("llmtail.yaml"), CONFIG);
    refused =
        LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy().finishReason("content_filter"));
    healthy = LlmTraces.chat(Dialect.OPENINFERENCE, LlmCallSpec.healthy());
    recording = dir.resolve("kept.jsonl");
    FileExporter exporter = new FileExporter(recording, new SimpleMeterRegistry());
    // The refused trace arrives in two exports, with the healthy trace in between: replay must
    // group by trace id across lines.
    List<ResourceSpans> halves = split(refused.resourceSpans());
    exporter.export(List.of(halves.get(0)), 1);
    exporter.export(List.of(healthy.resourceSpans()), 2);
    exporter.export(List.of(halves.get(1)), 1);
    exporter.shutdown(Duration.ofSeconds(1));
  }

  private static List<ResourceSpans> split(ResourceSpans rs) {
    ScopeSpans scope = rs.getScopeSpans(0);
    assertThat(scope.getSpansCount()).isEqualTo(2);
    return List.of(
        rs.toBuilder().setScopeSpans(0, scope.toBuilder().removeSpans(1)).build(),
        rs.toBuilder().setScopeSpans(0, scope.toBuilder().removeSpans(0)).build());
  }

  private int llmtail(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void replayPrintsWhichTracesWouldBeKeptAndWhy() {
    assertThat(llmtail("replay", "--config", config.toString(), recording.toString())).isZero();
    assertThat(out.toString())
        .contains("TRACE ID", "OUTCOME", "WHY")
        .containsPattern(refused.traceIdHex() + "\\s+kept\\s+2\\s+1\\s+kept by refusals")
        .containsPattern(healthy.traceIdHex() + "\\s+dropped\\s+2\\s+1\\s+no policy matched")
        .contains("2 traces: 1 kept (50.0%), 1 dropped", "kept by refusals: 1");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void replayPrintsJson() throws Exception {
    assertThat(llmtail("replay", "-c", config.toString(), "--format", "json", recording.toString()))
        .isZero();
    JsonNode report = new ObjectMapper().readTree(out.toString());
    assertThat(report.at("/summary/traces").asInt()).isEqualTo(2);
    assertThat(report.at("/summary/kept").asInt()).isEqualTo(1);
    assertThat(report.at("/summary/kept_by/refusals").asInt()).isEqualTo(1);
    assertThat(report.at("/traces/0/trace_id").asText()).isEqualTo(refused.traceIdHex());
    assertThat(report.at("/traces/0/outcome").asText()).isEqualTo("kept");
    assertThat(report.at("/traces/0/kept_by/0").asText()).isEqualTo("refusals");
    assertThat(report.at("/traces/0/span_count").asInt()).isEqualTo(2);
    assertThat(report.at("/traces/1/outcome").asText()).isEqualTo("dropped");
  }

  @Test
  void replayReadsAPrettyPrintedTracesDataDocumentAcrossSeveralInputs() throws Exception {
    Path pretty = dir.resolve("pretty.json");
    String line = Files.readAllLines(recording).get(1);
    Files.writeString(
        pretty,
        new ObjectMapper()
            .writerWithDefaultPrettyPrinter()
            .writeValueAsString(new ObjectMapper().readTree(line)));
    assertThat(llmtail("replay", "-c", config.toString(), pretty.toString(), recording.toString()))
        .isZero();
    assertThat(out.toString()).contains("2 traces: 1 kept");
  }

  @Test
  void replayShowsProgressOnStderrForLargeInputs() {
    assertThat(
            llmtail("replay", "-c", config.toString(), "--progress=always", recording.toString()))
        .isZero();
    assertThat(err.toString()).contains("reading: 100% [##########] 2 traces");
    assertThat(out.toString()).doesNotContain("reading:");
  }

  @Test
  void replayNamesTheFileAndLineOfInputThatIsNotOtlpJson() throws Exception {
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(
        bad,
        Files.readAllLines(recording).get(0) + "\n{\"resourceSpans\": [{\"scopeSpans\": 7}]}\n");
    assertThat(llmtail("replay", "-c", config.toString(), bad.toString())).isEqualTo(1);
    assertThat(err.toString()).contains(bad + ":2: not OTLP JSON");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void replaySaysWhichInputIsMissing() {
    Path missing = dir.resolve("nope.jsonl");
    assertThat(llmtail("replay", "-c", config.toString(), missing.toString())).isEqualTo(1);
    assertThat(err.toString()).contains(missing + ": no such file");
  }

  @Test
  void replayRefusesAnInvalidConfigWithItsErrors() throws Exception {
    Path bad =
        Files.writeString(dir.resolve("bad.yaml"), "policies:\n  - name: x\n    type: nope\n");
    assertThat(llmtail("replay", "-c", bad.toString(), recording.toString())).isEqualTo(1);
    assertThat(err.toString()).contains(bad + ":3: policies[0].type: 'nope' is not a policy type");
  }

  @Test
  void explainPrintsEveryPolicysVerdictAndEvidence() {
    assertThat(
            llmtail(
                "explain",
                "-c",
                config.toString(),
                "--trace",
                refused.traceIdHex(),
                recording.toString()))
        .isZero();
    assertThat(out.toString())
        .startsWith(
            "trace " + refused.traceIdHex() + ": KEPT — kept by refusals\n2 spans, 1 LLM call,")
        .contains("keep       refusals (refusal): ")
        .contains("content_filter")
        .containsPattern("no_opinion\\s+slow \\(latency\\): ");
  }

  @Test
  void explainPrintsJson() throws Exception {
    assertThat(
            llmtail(
                "explain",
                "-c",
                config.toString(),
                "-t",
                healthy.traceIdHex(),
                "--format=JSON",
                recording.toString()))
        .isZero();
    JsonNode report = new ObjectMapper().readTree(out.toString());
    assertThat(report.at("/outcome").asText()).isEqualTo("dropped");
    assertThat(report.at("/policies/0/name").asText()).isEqualTo("refusals");
    assertThat(report.at("/policies/0/vote").asText()).isEqualTo("no_opinion");
    assertThat(report.at("/policies/1/name").asText()).isEqualTo("slow");
  }

  @Test
  void explainSaysWhenARecordedTraceWasKeptAfterItsDrop() throws Exception {
    TraceBuilder promoted = LlmTraces.chat(Dialect.OTEL_GENAI, LlmCallSpec.healthy());
    Path kept = dir.resolve("promoted.jsonl");
    FileExporter exporter = new FileExporter(kept, new SimpleMeterRegistry());
    exporter.export(
        SamplingAnnotations.annotate(
            List.of(promoted.resourceSpans()), "kept on request", 1, false, true),
        2);
    exporter.shutdown(Duration.ofSeconds(1));
    String id = promoted.traceIdHex();

    assertThat(llmtail("explain", "-c", config.toString(), "-t", id, kept.toString())).isZero();
    assertThat(out.toString())
        .startsWith(
            "trace "
                + id
                + ": DROPPED — no policy matched\nrecorded promoted (llmtail.sampling.promoted):"
                + " dropped when first decided, then kept afterwards: kept on request\n");
    out.getBuffer().setLength(0);
    assertThat(
            llmtail("explain", "-c", config.toString(), "-t", id, "--format=JSON", kept.toString()))
        .isZero();
    JsonNode report = new ObjectMapper().readTree(out.toString());
    assertThat(report.at("/recorded/promoted").asBoolean()).isTrue();
    assertThat(report.at("/recorded/reason").asText()).isEqualTo("kept on request");
  }

  @Test
  void explainSaysWhenTheTraceIsNotInTheRecording() {
    String absent = "0123456789abcdef0123456789abcdef";
    assertThat(llmtail("explain", "-c", config.toString(), "-t", absent, recording.toString()))
        .isEqualTo(1);
    assertThat(err.toString())
        .contains("trace " + absent + " is not in " + recording, "2 traces read");
  }

  @Test
  void explainRejectsATraceIdThatIsNotHex() {
    assertThat(llmtail("explain", "-c", config.toString(), "-t", "xyz", recording.toString()))
        .isEqualTo(1);
    assertThat(err.toString()).startsWith("--trace: ");
  }

  @Test
  void helpAndVersionListTheNewCommands() {
    assertThat(llmtail("--help")).isZero();
    assertThat(out.toString()).contains("replay", "explain");
    assertThat(llmtail("--version")).isZero();
    assertThat(out.toString()).contains("llmtail ");
  }
}
