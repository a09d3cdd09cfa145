package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
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
    assertThat(err.toString()).contains("Not converted (3):", "hash_salt");
    assertThat(llmtail("validate", converted.toString())).isZero();
    assertThat(out.toString()).contains("valid (4 policies)");
  }

  @Test
  void helpListsTheCommands() {
    assertThat(llmtail("--help")).isZero();
    assertThat(out.toString()).contains("run", "validate");
  }
}
