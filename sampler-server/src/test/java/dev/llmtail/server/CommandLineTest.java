package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CommandLineTest {

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int llmtail(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void validateAcceptsTheShippedConfig() {
    assertThat(llmtail("validate", "../config/llmtail.yaml")).isZero();
    assertThat(out.toString()).contains("../config/llmtail.yaml: valid (13 policies)");
  }

  @Test
  void validatePrintsEveryProblemAndExitsOne() throws Exception {
    Path bad =
        Files.writeString(
            dir.resolve("bad.yaml"),
            "buffer:\n  quiet: 5s\npolicies:\n  - name: x\n    type: nope\n");
    assertThat(llmtail("validate", bad.toString())).isEqualTo(1);
    assertThat(err.toString())
        .contains(bad + ":2: buffer.quiet: unknown key")
        .contains(bad + ":5: policies[0].type: 'nope' is not a policy type");
  }

  @Test
  void runRefusesAnInvalidConfigBeforeOpeningAnyPort() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "policies: []\n");
    assertThat(llmtail("run", "--config", bad.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("policies: no policies");
  }

  @Test
  void runRequiresAConfigAndSaysHowToPassIt() {
    assertThat(llmtail("run")).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--config=FILE'");
  }

  @Test
  void importOtelConfigWritesAConfigThatValidatesAndListsWhatItCouldNotConvert() throws Exception {
    Path converted = dir.resolve("from-collector.yaml");
    assertThat(
            llmtail(
                "import-otel-config",
                "src/test/resources/collector/production-errors-slow-baseline.yaml",
                "-o",
                converted.toString()))
        .isZero();
    assertThat(err.toString())
        .contains("Converted with a difference (1):", "decision_wait")
        .contains("Not converted (2):", "hash_salt");
    assertThat(llmtail("validate", converted.toString())).isZero();
    assertThat(out.toString()).contains("valid (4 policies)");
  }

  @Test
  void importOtelConfigWithoutOutputPrintsExactlyWhatOutputWouldWrite() throws Exception {
    String collector = "src/test/resources/collector/production-errors-slow-baseline.yaml";
    Path written = dir.resolve("written.yaml");
    assertThat(llmtail("import-otel-config", collector, "-o", written.toString())).isZero();
    // Picocli's own writer: an encoder that holds what is printed until it is flushed.
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), true));
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute("import-otel-config", collector)).isZero();
    assertThat(stdout.toString(StandardCharsets.UTF_8)).isEqualTo(Files.readString(written));
  }

  @Test
  void validateTakesTheConfigAsRunDoesOrAsAnArgument() {
    assertThat(llmtail("validate", "--config", "../config/llmtail.yaml")).isZero();
    assertThat(llmtail("validate", "-c", "../config/llmtail.yaml")).isZero();
    assertThat(out.toString())
        .isEqualTo(
            "../config/llmtail.yaml: valid (13 policies)\n"
                .repeat(2)
                .replace("\n", System.lineSeparator()));
    assertThat(llmtail("validate")).isEqualTo(2);
    assertThat(err.toString()).contains("Missing the config file: validate --config FILE");
  }

  @Test
  void aMissingConfigFileIsOneLine() {
    assertThat(llmtail("validate", "nope.yaml")).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            "nope.yaml: no such config file (the shipped one is config/llmtail.yaml; `llmtail"
                + " schema` describes every key)"
                + System.lineSeparator());
  }

  @Test
  void runNamesEveryBusyPortAtOnceWithItsKeyAndVariable() throws Exception {
    try (ServerSocket grpc = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ServerSocket http = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path config =
          Files.writeString(
              dir.resolve("busy.yaml"),
              "receivers:\n"
                  + "  grpc: {endpoint: 127.0.0.1:"
                  + grpc.getLocalPort()
                  + "}\n"
                  + "  http: {endpoint: 127.0.0.1:"
                  + http.getLocalPort()
                  + "}\n"
                  + "admin: {endpoint: 127.0.0.1:0}\n"
                  + "policies: [{name: errors, type: status_code, status_codes: [ERROR]}]\n"
                  + "exporter: {file: {path: "
                  + dir.resolve("kept.jsonl")
                  + "}}\n");
      assertThat(llmtail("run", "--config", config.toString(), "--reload-interval", "0s"))
          .isEqualTo(1);
      assertThat(err.toString().lines())
          .containsExactly(
              "port "
                  + grpc.getLocalPort()
                  + " (OTLP/gRPC on 127.0.0.1:"
                  + grpc.getLocalPort()
                  + ") is in use by another process: set receivers.grpc.endpoint (or"
                  + " LLMTAIL_GRPC_ENDPOINT with the shipped config) to a free host:port, e.g."
                  + " 127.0.0.1:0 for any",
              "port "
                  + http.getLocalPort()
                  + " (OTLP/HTTP on 127.0.0.1:"
                  + http.getLocalPort()
                  + ") is in use by another process: set receivers.http.endpoint (or"
                  + " LLMTAIL_HTTP_ENDPOINT with the shipped config) to a free host:port, e.g."
                  + " 127.0.0.1:0 for any");
    }
  }

  @Test
  void helpListsTheCommands() {
    assertThat(llmtail("--help")).isZero();
    assertThat(out.toString()).contains("run", "validate");
  }
}
