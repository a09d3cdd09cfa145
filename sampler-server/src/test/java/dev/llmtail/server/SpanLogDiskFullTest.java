package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The span log on a disk that fills up (a 64 MiB tmpfs, mounted by the test: needs root, skipped
 * otherwise): requests are refused with a retryable error, {@code /readyz} says why, and every span
 * acknowledged before is still exported. Tagged {@code fault}.
 */
@Tag("fault")
class SpanLogDiskFullTest {

  @TempDir Path dir;
  private Path mount;
  private Sidecar llmtail;
  private AdminClient client;

  @AfterEach
  void unmount() throws Exception {
    if (client != null) {
      client.close();
    }
    if (llmtail != null) {
      llmtail.close();
    }
    if (mount != null) {
      new ProcessBuilder("umount", mount.toString())
          .inheritIO()
          .start()
          .waitFor(30, TimeUnit.SECONDS);
    }
  }

  private boolean mountSmallDisk() throws Exception {
    Path target = Files.createDirectories(dir.resolve("small-disk"));
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", target.toString())
            .redirectErrorStream(true)
            .start();
    if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
      mount = target;
      return true;
    }
    return false;
  }

  @Test
  void fullDiskRefusesRetryablyAndLosesNothingAcknowledged() throws Exception {
    assumeTrue(mountSmallDisk(), "mounting a tmpfs needs root");
    Path kept = dir.resolve("kept.jsonl");
    String yaml =
        TestPorts.LOOPBACK
            + """
            buffer:
              quiet_period: 5m
              max_trace_wait: 5m
              max_bytes: 1GiB
            policies:
              - name: all
                type: always_sample
            exporter:
              file:
                path: ${env:OUT}
            storage:
              directory: ${env:DATA}
            """;
    llmtail =
        Sidecar.start(
            ConfigLoader.withEnvironment(
                    Map.of("OUT", kept.toString(), "DATA", mount.resolve("data").toString()))
                .parse(Path.of("disk-full.yaml"), yaml),
            new SimpleMeterRegistry(),
            Duration.ofSeconds(20));
    client = new AdminClient(llmtail);

    long acknowledged = 0;
    StatusRuntimeException refused = null;
    for (int i = 0; i < 2_000 && refused == null; i++) {
      TraceBuilder big = TraceBuilder.trace();
      big.root("POST /chat").attribute("gen_ai.prompt", "x".repeat(64 * 1024));
      try {
        client.send(big);
        acknowledged++;
      } catch (StatusRuntimeException e) {
        refused = e;
      }
    }
    assertThat(refused).as("refused before 2000 × 64 KiB filled a 64 MiB disk").isNotNull();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getStatus().getDescription()).contains("disk is full");
    HttpResponse<String> ready = client.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).contains("disk is full");

    llmtail.close(); // decides every buffered trace: all are kept
    llmtail = null;
    long written = 0;
    for (String line : Files.readAllLines(kept)) {
      written += line.split("\"spanId\"", -1).length - 1;
    }
    assertThat(written).as("spans exported").isEqualTo(acknowledged);
  }
}
