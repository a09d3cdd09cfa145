package dev.llmtail.server;

import dev.llmtail.server.config.CollectorConfigImport;
import dev.llmtail.server.config.ConfigException;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.DurationText;
import dev.llmtail.server.config.LlmtailConfig;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The top-level {@code llmtail} command and its subcommands. */
@Command(
    name = "llmtail",
    mixinStandardHelpOptions = true,
    versionProvider = LlmtailCommand.Version.class,
    description = "LLM-aware tail sampling for OpenTelemetry traces.",
    subcommands = {LlmtailCommand.Run.class, LlmtailCommand.Validate.class, LlmtailCommand.ImportOtelConfig.class})
final class LlmtailCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Exit code for a config that cannot be used. */
  static final int CONFIG_ERROR = 1;

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = "Run the sampler until SIGTERM or Ctrl-C.")
  static final class Run implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = {"-c", "--config"},
        required = true,
        paramLabel = "FILE",
        description = "llmtail YAML config, e.g. config/llmtail.yaml")
    Path config;

    @Option(
        names = "--shutdown-timeout",
        defaultValue = "30s",
        paramLabel = "DURATION",
        description =
            "How long shutdown may take to decide buffered traces and send kept ones; what is not"
                + " sent by then is spilled to exporter.otlp.spill.directory (default: ${DEFAULT-VALUE}).")
    String shutdownTimeout;

    @Override
    public Integer call() throws InterruptedException {
      LlmtailConfig loaded;
      try {
        loaded = ConfigLoader.withSystemEnvironment().load(config);
      } catch (ConfigException e) {
        spec.commandLine().getErr().println(e.getMessage());
        return CONFIG_ERROR;
      }
      Duration deadline;
      try {
        deadline = DurationText.parse(shutdownTimeout);
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("--shutdown-timeout: " + e.getMessage());
        return CONFIG_ERROR;
      }
      PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      new JvmMemoryMetrics().bindTo(meters);
      new JvmThreadMetrics().bindTo(meters);
      new ProcessorMetrics().bindTo(meters);
      new UptimeMetrics().bindTo(meters);
      Sidecar sidecar = Sidecar.start(loaded, meters, deadline);
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    sidecar.close();
                    stopped.countDown();
                    ShutdownLogManager.shutdownFinished();
                    // A JVM ended by SIGTERM exits 143 however cleanly its hooks finish. Shutdown
                    // is complete (nothing accepted is unaccounted for), so report success: an
                    // orchestrator must not count a normal stop as a crash. halt() is the only way
                    // to set the status from a shutdown hook; the JDK's remaining hooks only
                    // reset logging, which shutdownFinished() has done.
                    Runtime.getRuntime().halt(0);
                  },
                  "llmtail-shutdown"));
      stopped.await();
      return 0;
    }
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description = "Check a config file and print every problem; exit 0 if it is valid, 1 if not.")
  static final class Validate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "llmtail YAML config")
    Path config;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try {
        LlmtailConfig loaded = ConfigLoader.withSystemEnvironment().load(config);
        out.printf("%s: valid (%d policies)%n", config, loaded.policies().size());
        return 0;
      } catch (ConfigException e) {
        spec.commandLine().getErr().println(e.getMessage());
        return CONFIG_ERROR;
      }
    }
  }

  @Command(
      name = "import-otel-config",
      mixinStandardHelpOptions = true,
      description =
          "Convert the tail_sampling processor of an OpenTelemetry Collector config into an llmtail config"
              + " (printed, or written with -o); what cannot be converted is listed on stderr with the reason.")
  static final class ImportOtelConfig implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "OpenTelemetry Collector YAML config")
    Path collectorConfig;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write the llmtail config here instead of stdout")
    Path output;

    @Override
    public Integer call() {
      CollectorConfigImport.Result result;
      try {
        result = CollectorConfigImport.convert(java.nio.file.Files.readString(collectorConfig));
      } catch (java.io.IOException e) {
        spec.commandLine().getErr().println(collectorConfig + ": cannot read: " + e.getMessage());
        return CONFIG_ERROR;
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println(collectorConfig + ": " + e.getMessage());
        return CONFIG_ERROR;
      }
      if (output == null) {
        spec.commandLine().getOut().print(result.yaml());
      } else {
        try {
          java.nio.file.Files.writeString(output, result.yaml());
        } catch (java.io.IOException e) {
          spec.commandLine().getErr().println(output + ": cannot write: " + e.getMessage());
          return CONFIG_ERROR;
        }
      }
      PrintWriter err = spec.commandLine().getErr();
      if (!result.notConverted().isEmpty()) {
        err.println("Not converted (" + result.notConverted().size() + "):");
        result.notConverted().forEach(line -> err.println("  " + line));
      }
      return 0;
    }
  }

  /** Reads the version from the jar manifest. */
  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = LlmtailCommand.class.getPackage().getImplementationVersion();
      return new String[] {"llmtail " + (v == null ? "(development build)" : v)};
    }
  }
}
