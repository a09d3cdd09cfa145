package dev.llmtail.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.core.Verdict;
import dev.llmtail.core.buffer.BufferSettings;
import dev.llmtail.core.buffer.TraceBuffer;
import dev.llmtail.core.log.DecisionLog;
import dev.llmtail.core.status.TraceStatusLookup;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What {@code /debug/traces/{id}} says about traces a real buffer and log hold, on a fake clock: no
 * quiet period is waited for.
 */
class DebugApiTest {

  private static final Duration QUIET = Duration.ofSeconds(10);

  private final AtomicLong ticker = new AtomicLong(1_000_000_000L);
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final DecisionLog log = new DecisionLog(100, Duration.ofHours(1), false, clock);

  /** Keeps every trace (a second policy has no opinion); a trace may hold at most 3 spans. */
  private final TraceBuffer buffer =
      TraceBuffer.builder()
          .settings(
              new BufferSettings(
                  QUIET,
                  Duration.ofMinutes(5),
                  100,
                  1 << 20,
                  100,
                  Duration.ofMinutes(10),
                  3,
                  1 << 20))
          .engine(
              () ->
                  new DecisionEngine(
                      List.of(
                          new NamedPolicy("all", "always_sample", t -> Verdict.keep("all")),
                          new NamedPolicy("quiet", "test", t -> Verdict.noOpinion("nothing"))),
                      clock,
                      meters))
          .listener(log)
          .ticker(ticker::get)
          .meters(meters)
          .build();

  private final DebugApi api =
      new DebugApi(log, new TraceStatusLookup(buffer, log)::status, clock, false);

  private JsonNode trace(String id) throws Exception {
    return DebugApi.JSON.readTree(new String(api.trace(id).body(), StandardCharsets.UTF_8));
  }

  @Test
  void aTraceOverMaxTraceSpansIsDecidedAtOnceAndSaysSo() throws Exception {
    TraceBuilder runaway = TraceBuilder.trace();
    runaway.root("agent loop").unended();
    for (int step = 1; step <= 3; step++) {
      runaway.child("tool call " + step);
    }
    buffer.admit(runaway.fragments()); // 4 spans, one over the limit; the clock stands still

    JsonNode answer = trace(runaway.traceIdHex());
    assertThat(answer.path("state").asText()).isEqualTo("decided");
    assertThat(answer.path("decision").path("trigger").asText()).isEqualTo("max_trace_spans");
    assertThat(answer.path("explanation").asText()).contains("decided early: over max_trace_spans");
    assertThat(
            meters.counter("llmtail.buffer.decided.over_limit", "limit", "max_trace_spans").count())
        .isEqualTo(1);

    TraceBuilder later = TraceBuilder.trace(runaway.traceIdHex());
    later.child("tool call 4");
    buffer.admit(later.fragments());
    assertThat(trace(runaway.traceIdHex()).path("decision").path("late_spans_since").asInt())
        .isEqualTo(1);
  }

  @Test
  void aBufferedTraceSaysWhatItWaitsFor() throws Exception {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    buffer.admit(t.fragments());
    ticker.addAndGet(Duration.ofSeconds(4).toNanos());

    JsonNode answer = trace(t.traceIdHex());
    assertThat(answer.path("state").asText()).isEqualTo("buffered");
    assertThat(answer.path("buffered").path("waiting_for").asText())
        .isEqualTo(
            "its root span has ended; it is decided once no span arrives for quiet_period 10s");
    assertThat(answer.path("explanation").asText()).contains("(in 6s, trigger complete)");
  }

  @Test
  void everyVoteIsSpelledSnakeCase() throws Exception {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    buffer.admit(t.fragments());
    ticker.addAndGet(QUIET.toNanos());
    buffer.decideDue();

    JsonNode policies = trace(t.traceIdHex()).path("decision").path("policies");
    assertThat(policies.get(0).path("vote").asText()).isEqualTo("keep");
    assertThat(policies.get(1).path("vote").asText()).isEqualTo("no_opinion");
    assertThat(trace(t.traceIdHex()).path("decision").path("kept_by").get(0).asText())
        .isEqualTo("all");
  }
}
