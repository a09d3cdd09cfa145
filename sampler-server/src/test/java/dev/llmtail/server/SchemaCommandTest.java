package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code llmtail schema} prints the schema the project ships. */
class SchemaCommandTest {

  @Test
  void printsTheShippedSchema() throws Exception {
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    assertThat(cli.execute("schema")).isZero();
    assertThat(out.toString())
        .isEqualTo(Files.readString(Path.of("../config/llmtail.schema.json")));
  }
}
