package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Editing the policy file of a running sidecar: a valid change applies to the next decisions
 * without losing buffered traces, an invalid one is shown and ignored, and {@code /debug} says
 * which version decided each trace.
 */
class HotReloadTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String HEAD =
      TestPorts.LOOPBACK
          + """
      buffer:
        quiet_period: 100ms
        max_trace_wait: 5m
      exporter:
        file:
          path: ${env:OUT}
      policies:
      """;
  private static final String ERRORS_ONLY =
      "  - name: errors\n    type: status_code\n    status_codes: [ERROR]\n";
  private static final String KEEP_ALL = "  - name: everything\n    type: always_sample\n";

  @TempDir Path dir;
  private Path file;
  private Sidecar llmtail;
  private AdminClient admin;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    file = Files.writeString(dir.resolve("llmtail.yaml"), HEAD + ERRORS_ONLY);
    ConfigLoader loader =
        ConfigLoader.withEnvironment(Map.of("OUT", dir.resolve("kept.jsonl").toString()));
    llmtail =
        Sidecar.start(
            loader.load(file),
            new SimpleMeterRegistry(),
            Duration.ofSeconds(5),
            loader,
            Duration.ofMillis(50));
    admin = new AdminClient(llmtail);
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", llmtail.grpcPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    llmtail.close();
  }

  private void send(ResourceSpans spans) {
    TraceServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .export(ExportTraceServiceRequest.newBuilder().addResourceSpans(spans).build());
  }

  /** The trace's spans for which {@code which} holds. */
  private static ResourceSpans only(TraceBuilder trace, Predicate<Span> which) {
    ResourceSpans all = trace.resourceSpans();
    ScopeSpans scope = all.getScopeSpans(0);
    ScopeSpans.Builder kept = scope.toBuilder().clearSpans();
    scope.getSpansList().stream().filter(which).forEach(kept::addSpans);
    return all.toBuilder().setScopeSpans(0, kept).build();
  }

  private static boolean isRoot(Span s) {
    return s.getParentSpanId().isEmpty();
  }

  private JsonNode decided(TraceBuilder trace) {
    String path = "/debug/traces/" + trace.traceIdHex();
    // Until the decision log has it: the buffer's remembered decision may answer a moment earlier.
    await().atMost(WAIT).until(() -> admin.json(path).at("/decision/policies").isArray());
    return admin.json(path).path("decision");
  }

  private void awaitVersion(int version) {
    await()
        .atMost(WAIT)
        .until(() -> admin.json("/debug/config").at("/version/number").asInt() == version);
  }

  private static TraceBuilder healthyTrace() {
    TraceBuilder t = TraceBuilder.trace().service("shop");
    t.root("GET /cart").durationMillis(200).child("SELECT cart").durationMillis(20);
    return t;
  }

  @Test
  void aValidChangeDecidesTracesBufferedBeforeItWithTheNewPolicies() throws Exception {
    TraceBuilder before = healthyTrace();
    send(before.resourceSpans());
    JsonNode first = decided(before);
    assertThat(first.path("outcome").asText()).isEqualTo("dropped");
    assertThat(first.path("config_version").asInt()).isEqualTo(1);

    // Buffered across the reload: the child arrives now, the root only after the swap.
    TraceBuilder across = healthyTrace();
    send(only(across, s -> !isRoot(s)));
    assertThat(admin.json("/debug/traces/" + across.traceIdHex()).path("state").asText())
        .isEqualTo("buffered");

    Files.writeString(file, HEAD + KEEP_ALL);
    awaitVersion(2);
    JsonNode config = admin.json("/debug/config");
    assertThat(config.at("/policies/0/name").asText()).isEqualTo("everything");
    assertThat(config.at("/version/sha256").asText()).hasSize(64);

    send(only(across, HotReloadTest::isRoot));
    JsonNode second = decided(across);
    assertThat(second.path("outcome").asText()).isEqualTo("kept");
    assertThat(second.path("reason").asText()).isEqualTo("kept by everything");
    assertThat(second.path("config_version").asInt()).isEqualTo(2);
    assertThat(second.at("/trace/span_count").asInt()).isEqualTo(2);

    assertThat(admin.get("/metrics").body())
        .contains("llmtail_config_version 2.0")
        .contains("llmtail_config_reloads_total{outcome=\"applied\"} 1.0");
  }

  @Test
  void aChangeThatNeedsARestartIsShownKeyByKeyNextToTheRunningValues() throws Exception {
    Files.writeString(
        file,
        HEAD.replace("quiet_period: 100ms", "quiet_period: 2s")
                .replace(
                    "admin:\n  endpoint: 127.0.0.1:0\n",
                    "admin:\n  endpoint: 127.0.0.1:0\n  decision_log:\n    max_entries: 10\n")
            + ERRORS_ONLY);
    await().atMost(WAIT).until(() -> admin.json("/debug/config").has("pending_restart"));
    JsonNode config = admin.json("/debug/config");
    assertThat(config.at("/version/number").asInt()).isEqualTo(2);
    assertThat(config.at("/pending_restart/file_values"))
        .hasToString("{\"buffer.quiet_period\":\"2s\",\"admin.decision_log.max_entries\":10}");
    // The running values, under the same keys.
    assertThat(config.at("/buffer/quiet_period").asText()).isEqualTo("100ms");
    assertThat(config.at("/admin/decision_log/max_entries").asInt()).isEqualTo(50_000);
  }

  @Test
  void anInvalidChangeIsShownAndTheRunningPoliciesStay() throws Exception {
    Files.writeString(file, HEAD + "  - name: x\n    type: nope\n");
    await().atMost(WAIT).until(() -> admin.json("/debug/config").has("last_rejected_change"));
    JsonNode config = admin.json("/debug/config");
    assertThat(config.at("/version/number").asInt()).isEqualTo(1);
    assertThat(config.at("/last_rejected_change/problems").asText())
        .contains(file + ":16: policies[0].type: 'nope' is not a policy type");
    assertThat(config.at("/policies/0/name").asText()).isEqualTo("errors");

    TraceBuilder failing = TraceBuilder.trace().service("shop");
    failing.root("GET /cart").durationMillis(200).error("boom");
    send(failing.resourceSpans());
    JsonNode decision = decided(failing);
    assertThat(decision.path("reason").asText()).isEqualTo("kept by errors");
    assertThat(decision.path("config_version").asInt()).isEqualTo(1);
    assertThat(admin.get("/metrics").body())
        .contains("llmtail_config_reloads_total{outcome=\"rejected\"} 1.0");
  }

  @Test
  void runRefusesAReloadIntervalThatIsNotADuration() throws Exception {
    Path plain =
        Files.writeString(
            dir.resolve("plain.yaml"),
            "exporter:\n  file:\n    path: "
                + dir.resolve("out.jsonl")
                + "\npolicies:\n"
                + KEEP_ALL);
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    cli.setErr(new java.io.PrintWriter(err, true));
    assertThat(cli.execute("run", "--config", plain.toString(), "--reload-interval", "often"))
        .isEqualTo(1);
    assertThat(err.toString()).startsWith("--reload-interval: ");
  }
}
