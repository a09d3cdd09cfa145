package dev.llmtail.server;

import dev.llmtail.server.config.ConfigException;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.DurationText;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.server.storage.SpanLogException;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llmtail run}: the sidecar, until SIGTERM. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run the sampler until SIGTERM or Ctrl-C.")
final class RunCommand implements Callable<Integer> {
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

  @Option(
      names = "--reload-interval",
      defaultValue = "1s",
      paramLabel = "DURATION",
      description =
          "How often the config file is checked for changes; a valid change of its policies is"
              + " applied without a restart, an invalid one is logged and ignored. 0s turns"
              + " reloading off (default: ${DEFAULT-VALUE}).")
  String reloadInterval;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    ConfigLoader loader = ConfigLoader.withSystemEnvironment();
    LlmtailConfig loaded;
    try {
      loaded = loader.load(config);
    } catch (ConfigException e) {
      err.println(e.getMessage());
      return LlmtailCommand.CONFIG_ERROR;
    }
    Duration deadline = duration("--shutdown-timeout", shutdownTimeout, err);
    Duration reloadEvery = duration("--reload-interval", reloadInterval, err);
    if (deadline == null || reloadEvery == null) {
      return LlmtailCommand.CONFIG_ERROR;
    }
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Sidecar sidecar;
    try {
      sidecar = Sidecar.start(loaded, meters, deadline, loader, reloadEvery);
    } catch (ListenFailure | SpanLogException e) {
      // A busy port, or a span log directory held by another process, of another version, or
      // not writable: one line that names it and the fix.
      err.println(e.getMessage());
      return LlmtailCommand.CONFIG_ERROR;
    } catch (UncheckedIOException e) {
      // A file or directory of the exporter that could not be opened after all (a race with the
      // checks of the loader, or a full disk): one line, not a stack trace.
      err.println(e.getMessage());
      return LlmtailCommand.CONFIG_ERROR;
    }
    // After the sidecar's own meters: it registers them straight on an empty Prometheus registry
    // (see SidecarMeters), whose meter filter must come before any meter.
    new JvmMemoryMetrics().bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
    new UptimeMetrics().bindTo(meters);
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

  private static @Nullable Duration duration(String option, String text, PrintWriter err) {
    try {
      return DurationText.parse(text);
    } catch (IllegalArgumentException e) {
      err.println(option + ": " + e.getMessage());
      return null;
    }
  }
}
