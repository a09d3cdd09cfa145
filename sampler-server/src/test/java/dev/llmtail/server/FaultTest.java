package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.testing.OtlpTestSink;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End-to-end faults on loopback, each bounded to a few seconds: a dead backend, and 10× more load
 * than the buffer holds. Tagged {@code fault}: run by {@code -Pfaults} (which {@code .ci/run}
 * uses).
 */
@Tag("fault")
class FaultTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path spill;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final OtlpTestSink sink = OtlpTestSink.start();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private Sidecar llmtail;

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    if (llmtail != null) {
      llmtail.close();
    }
    sink.close();
  }

  private Sidecar start(String yaml) throws Exception {
    llmtail =
        Sidecar.start(
            ConfigLoader.withEnvironment(Map.of("SINK", sink.endpoint(), "SPILL", spill.toString()))
                .parse(Path.of("fault.yaml"), yaml),
            meters,
            Duration.ofSeconds(2));
    return llmtail;
  }

  private static TraceBuilder chat() {
    TraceBuilder t = TraceBuilder.trace();
    t.root("POST /chat");
    t.child("chat gpt-4o");
    return t;
  }

  @Test
  void everyKeptTraceArrivesAfterTheBackendWasDownUnderSteadyLoad() throws Exception {
    start(
        """
        admin: {endpoint: "127.0.0.1:0"}
        receivers:
          grpc: {endpoint: "127.0.0.1:0"}
          http: {endpoint: "127.0.0.1:0"}
        buffer: {quiet_period: 50ms, max_trace_wait: 10s}
        policies:
          - {name: all, type: always_sample}
        exporter:
          otlp:
            endpoint: ${env:SINK}
            queue_size: 200
            batch_timeout: 10ms
            retry: {initial_interval: 10ms, max_interval: 50ms, max_elapsed_time: 300ms}
            spill: {directory: "${env:SPILL}", max_size: 64MiB}
        """);
    sink.failNext(Integer.MAX_VALUE, Status.UNAVAILABLE); // the backend is down
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", llmtail.grpcPort()).usePlaintext().build();
    toClose.add(channel::shutdownNow);
    TraceServiceGrpc.TraceServiceBlockingStub client = TraceServiceGrpc.newBlockingStub(channel);

    Set<String> accepted = new HashSet<>();
    int refused = 0;
    for (int i = 0; i < 600; i++) {
      TraceBuilder t = chat();
      try {
        client.withDeadlineAfter(5, TimeUnit.SECONDS).export(t.request());
        accepted.add(t.traceIdHex());
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode())
            .isIn(Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED);
        refused++;
      }
      if (i == 300) {
        // Half way: everything decided so far is either retried in memory or spilled to disk.
        await()
            .atMost(WAIT)
            .until(() -> meters.get("llmtail.exporter.spill.spans").gauge().value() > 0);
      }
    }
    assertThat(refused).as("the spill directory had room: nothing was refused").isZero();
    await().atMost(WAIT).until(() -> llmtail.buffer().bufferedTraces() == 0);

    sink.failNext(0, Status.UNAVAILABLE); // the backend is back
    await().atMost(WAIT).until(() -> distinctTraces(sink.spans()).containsAll(accepted));
    await()
        .atMost(WAIT)
        .until(() -> meters.get("llmtail.exporter.spill.spans").gauge().value() == 0);
    assertThat(meters.get("llmtail.exporter.spans").tag("result", "failed").counter().count())
        .isZero();
    assertThat(llmtail.ledger().unaccounted()).as(llmtail.ledger().toString()).isZero();
  }

  private static Set<String> distinctTraces(List<Span> spans) {
    Set<String> ids = new HashSet<>();
    for (Span s : spans) {
      ids.add(java.util.HexFormat.of().formatHex(s.getTraceId().toByteArray()));
    }
    return ids;
  }

  /**
   * Sends one request and names the answer: "ok", "retryable" (with a retry hint) or anything else.
   */
  private interface Client {
    String send(byte[] request) throws Exception;
  }

  private Client client(String transport) {
    if (transport.equals("http")) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      return body -> {
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + llmtail.httpPort() + "/v1/traces"))
                    .header("Content-Type", "application/x-protobuf")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return "ok";
        }
        return r.statusCode() == 429 && r.headers().firstValue("Retry-After").isPresent()
            ? "retryable"
            : "HTTP " + r.statusCode();
      };
    }
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", llmtail.grpcPort()).usePlaintext().build();
    toClose.add(channel::shutdownNow);
    TraceServiceGrpc.TraceServiceBlockingStub grpc = TraceServiceGrpc.newBlockingStub(channel);
    return body -> {
      try {
        grpc.withDeadlineAfter(10, TimeUnit.SECONDS)
            .export(
                io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.parseFrom(
                    body));
        return "ok";
      } catch (StatusRuntimeException e) {
        com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(e);
        boolean hinted =
            details != null
                && details.getDetailsList().stream()
                    .anyMatch(d -> d.is(com.google.rpc.RetryInfo.class));
        return e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED && hinted
            ? "retryable"
            : e.getStatus().getCode().name();
      }
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"http", "grpc"})
  void overloadIsRefusedWithRetryableErrorsWhileTheBufferStaysUnderItsBound(String transport)
      throws Exception {
    long maxBytes = 128 * 1024;
    start(
        """
        admin: {endpoint: "127.0.0.1:0"}
        receivers:
          grpc: {endpoint: "127.0.0.1:0"}
          http: {endpoint: "127.0.0.1:0"}
        buffer: {quiet_period: 30s, max_trace_wait: 60s, max_bytes: %d}
        policies:
          - {name: all, type: always_sample}
        exporter:
          otlp: {endpoint: "${env:SINK}"}
        """
            .formatted(maxBytes));
    byte[] body = chat().request().toByteArray();
    long toSend = maxBytes / body.length * 10; // 10× what the buffer holds, as fast as possible
    Client client = client(transport);
    Map<String, AtomicLong> answers = new ConcurrentHashMap<>();
    AtomicLong peakBytes = new AtomicLong();
    List<Thread> senders = new ArrayList<>();
    AtomicLong left = new AtomicLong(toSend);
    for (int s = 0; s < 4; s++) {
      Thread sender =
          new Thread(
              () -> {
                while (left.getAndDecrement() > 0) {
                  String answer;
                  try {
                    answer = client.send(chat().request().toByteArray());
                  } catch (Exception e) {
                    answer = e.toString();
                  }
                  answers.computeIfAbsent(answer, k -> new AtomicLong()).incrementAndGet();
                  peakBytes.accumulateAndGet(llmtail.buffer().bufferedBytes(), Math::max);
                }
              },
              "overload-" + s);
      senders.add(sender);
      sender.start();
    }
    for (Thread sender : senders) {
      sender.join(WAIT.toMillis());
    }

    assertThat(answers.keySet()).as(answers.toString()).containsOnly("ok", "retryable");
    assertThat(answers.get("retryable").get()).isGreaterThan(toSend / 2);
    assertThat(peakBytes.get()).isLessThanOrEqualTo(maxBytes);
    assertThat(meters.get("llmtail.buffer.decided.early").counter().count())
        .as("refusing, not deciding early, absorbs the overload")
        .isZero();
    assertThat(llmtail.ledger().unaccounted()).as(llmtail.ledger().toString()).isZero();
    assertThat(
            meters
                .get("llmtail.receiver.spans")
                .tag("transport", transport)
                .tag("result", "refused")
                .counter()
                .count())
        .isEqualTo(answers.get("retryable").get() * 2);
  }

  @Test
  void shutdownUnderLoadWithTheBackendDownSpillsEverythingAndARestartSendsIt() throws Exception {
    String yaml =
        """
        admin: {endpoint: "127.0.0.1:0"}
        receivers:
          grpc: {endpoint: "127.0.0.1:0"}
          http: {endpoint: "127.0.0.1:0"}
        buffer: {quiet_period: 20s, max_trace_wait: 60s}
        policies:
          - {name: all, type: always_sample}
        exporter:
          otlp:
            endpoint: ${env:SINK}
            batch_timeout: 10ms
            retry: {initial_interval: 10ms, max_interval: 50ms}
            spill: {directory: "${env:SPILL}"}
        """;
    start(yaml);
    sink.failNext(Integer.MAX_VALUE, Status.UNAVAILABLE);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", llmtail.grpcPort()).usePlaintext().build();
    toClose.add(channel::shutdownNow);
    TraceServiceGrpc.TraceServiceBlockingStub client = TraceServiceGrpc.newBlockingStub(channel);
    Set<String> accepted = ConcurrentHashMap.newKeySet();
    Thread load =
        new Thread(
            () -> {
              while (true) {
                TraceBuilder t = chat();
                try {
                  client.withDeadlineAfter(5, TimeUnit.SECONDS).export(t.request());
                  accepted.add(t.traceIdHex());
                } catch (StatusRuntimeException e) {
                  return; // llmtail stopped listening
                }
              }
            },
            "load");
    load.start();
    await().atMost(WAIT).until(() -> accepted.size() >= 300);

    llmtail.close(); // what SIGTERM runs, while the load is still coming
    load.join(WAIT.toMillis());
    assertThat(llmtail.ledger().unaccounted()).as(llmtail.ledger().toString()).isZero();
    assertThat(meters.get("llmtail.exporter.spans").tag("result", "failed").counter().count())
        .isZero();
    assertThat(meters.get("llmtail.exporter.spill.spans").gauge().value())
        .isEqualTo(llmtail.ledger().in());

    sink.failNext(0, Status.UNAVAILABLE); // the backend is back; llmtail restarts
    llmtail = null;
    SimpleMeterRegistry restarted = new SimpleMeterRegistry();
    llmtail =
        Sidecar.start(
            ConfigLoader.withEnvironment(Map.of("SINK", sink.endpoint(), "SPILL", spill.toString()))
                .parse(Path.of("fault.yaml"), yaml),
            restarted,
            Duration.ofSeconds(5));
    await().atMost(WAIT).until(() -> distinctTraces(sink.spans()).containsAll(accepted));
    await()
        .atMost(WAIT)
        .until(() -> restarted.get("llmtail.exporter.spill.spans").gauge().value() == 0);
    assertThat(llmtail.ledger().unaccounted()).as(llmtail.ledger().toString()).isZero();
  }
}
