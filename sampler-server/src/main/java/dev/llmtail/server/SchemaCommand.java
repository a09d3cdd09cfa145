package dev.llmtail.server;

import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.ConfigSchema;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code llmtail schema}: prints the config's JSON Schema. */
@Command(
    name = "schema",
    mixinStandardHelpOptions = true,
    description = {
      "Print the JSON Schema of the config file (what config/llmtail.schema.json holds), for"
          + " editors to complete and check llmtail.yaml."
    })
final class SchemaCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    out.print(ConfigSchema.of(ConfigLoader.withSystemEnvironment()).text());
    out.flush();
    return 0;
  }
}
