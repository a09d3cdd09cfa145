package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmtail.testing.TraceBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llmtail run} as a real process stopped with SIGTERM while a client is sending: it exits 0,
 * and every span it accepted is in the output file.
 */
class GracefulShutdownTest {

  private static final Pattern LEDGER =
      Pattern.compile("accepted\\+recovered=(\\d+) .* unaccounted=(-?\\d+)");

  @TempDir Path dir;
  private Process process;
  private Path log;
  private LlmtailProcess llmtail;

  @AfterEach
  void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  private int startLlmtail() throws Exception {
    Path kept = dir.resolve("kept.jsonl");
    log = dir.resolve("llmtail.log");
    Path config = dir.resolve("llmtail.yaml");
    Files.writeString(
        config,
        TestPorts.LOOPBACK
            + """
        buffer:
          quiet_period: 30s
          max_trace_wait: 5m
        policies:
          - name: all
            type: always_sample
        exporter:
          file:
            path: %s
        """
                .formatted(kept));
    llmtail = LlmtailProcess.start(config, log, "--shutdown-timeout", "10s");
    process = llmtail.process;
    return llmtail.httpPort;
  }

  private String output() throws java.io.IOException {
    return llmtail.output();
  }

  @Test
  void sigtermUnderLoadExitsZeroAndEveryAcceptedSpanIsWritten() throws Exception {
    int httpPort = startLlmtail();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    AtomicLong acknowledged = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    Thread load =
        new Thread(
            () -> {
              while (!stop.get()) {
                TraceBuilder t = TraceBuilder.trace();
                t.root("POST /chat");
                t.child("chat gpt-4o");
                try {
                  HttpResponse<Void> r =
                      client.send(
                          HttpRequest.newBuilder(
                                  URI.create("http://127.0.0.1:" + httpPort + "/v1/traces"))
                              .timeout(Duration.ofSeconds(5))
                              .header("Content-Type", "application/x-protobuf")
                              .POST(
                                  HttpRequest.BodyPublishers.ofByteArray(t.request().toByteArray()))
                              .build(),
                          HttpResponse.BodyHandlers.discarding());
                  if (r.statusCode() == 200) {
                    acknowledged.addAndGet(2);
                  }
                } catch (java.io.IOException e) {
                  return; // llmtail stopped listening
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
              }
            },
            "load");
    load.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.get() >= 200);

    process.destroy(); // SIGTERM
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as(output()).isTrue();
    stop.set(true);
    load.join(10_000);
    String output = output();

    assertThat(process.exitValue()).as(output).isZero();
    Matcher ledger = LEDGER.matcher(output);
    assertThat(ledger.find()).as(output).isTrue();
    assertThat(ledger.group(2)).as("unaccounted spans").isEqualTo("0");
    long accepted = Long.parseLong(ledger.group(1));
    assertThat(accepted).isGreaterThanOrEqualTo(acknowledged.get());
    long written = 0;
    for (String line : Files.readAllLines(dir.resolve("kept.jsonl"))) {
      written += line.split("\"spanId\"", -1).length - 1;
    }
    assertThat(written).as("spans in the output file").isEqualTo(accepted);
  }
}
