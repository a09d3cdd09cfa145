package dev.llmtail.server;

import dev.llmtail.core.DecisionEngine;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.TraceView;
import dev.llmtail.policies.genai.GenAiNormalizer;
import dev.llmtail.server.config.CollectorConfigImport;
import dev.llmtail.server.config.ConfigException;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.ConfigSchema;
import dev.llmtail.server.config.DurationText;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.server.replay.ReadProgress;
import dev.llmtail.server.replay.RecordedTraces;
import dev.llmtail.server.replay.RecordingException;
import dev.llmtail.server.replay.Replay;
import dev.llmtail.server.replay.ReplayReport;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
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
    subcommands = {
      LlmtailCommand.Run.class,
      LlmtailCommand.Validate.class,
      LlmtailCommand.ReplayTraces.class,
      LlmtailCommand.ExplainTrace.class,
      LlmtailCommand.ImportOtelConfig.class,
      LlmtailCommand.Schema.class
    })
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
      LlmtailConfig loaded;
      ConfigLoader loader = ConfigLoader.withSystemEnvironment();
      try {
        loaded = loader.load(config);
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
      Duration reloadEvery;
      try {
        reloadEvery = DurationText.parse(reloadInterval);
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("--reload-interval: " + e.getMessage());
        return CONFIG_ERROR;
      }
      PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      new JvmMemoryMetrics().bindTo(meters);
      new JvmThreadMetrics().bindTo(meters);
      new ProcessorMetrics().bindTo(meters);
      new UptimeMetrics().bindTo(meters);
      Sidecar sidecar = Sidecar.start(loaded, meters, deadline, loader, reloadEvery);
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

    @Option(
        names = {"-o", "--output"},
        paramLabel = "FILE",
        description = "write the llmtail config here instead of stdout")
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

  /** When reading prints progress lines to stderr. */
  enum ProgressMode {
    AUTO,
    ALWAYS,
    NEVER
  }

  /** What {@code replay} and {@code explain} share: the config, the recording, the format. */
  static final class ReplayInputs {
    @Option(
        names = {"-c", "--config"},
        required = true,
        paramLabel = "FILE",
        description = "llmtail YAML config whose policies to replay, e.g. config/llmtail.yaml")
    Path config;

    @Option(
        names = "--format",
        defaultValue = "table",
        paramLabel = "FORMAT",
        description = "table or json (default: ${DEFAULT-VALUE})")
    ReplayReport.Format format;

    @Option(
        names = "--progress",
        defaultValue = "auto",
        paramLabel = "WHEN",
        description =
            "Progress lines on stderr while reading: auto (inputs of 8 MiB or more), always, never"
                + " (default: ${DEFAULT-VALUE})")
    ProgressMode progress;

    /** Loads the config, reads the recording and builds the replay; prints problems to stderr. */
    Loaded load(CommandSpec spec, List<Path> inputs) {
      PrintWriter err = spec.commandLine().getErr();
      LlmtailConfig loaded;
      try {
        loaded = ConfigLoader.withSystemEnvironment().load(config);
      } catch (ConfigException e) {
        err.println(e.getMessage());
        return null;
      }
      ReadProgress shown =
          switch (progress) {
            case AUTO -> new ReadProgress(err, ReadProgress.DEFAULT_MIN_BYTES);
            case ALWAYS -> new ReadProgress(err, 0);
            case NEVER -> ReadProgress.silent();
          };
      RecordedTraces recorded;
      try {
        recorded = RecordedTraces.read(inputs, shown);
      } catch (RecordingException e) {
        err.println(e.getMessage());
        return null;
      }
      if (recorded.rejectedSpanCount() > 0) {
        err.printf(
            "skipped %d spans with invalid trace or span ids (the receiver rejects them too)%n",
            recorded.rejectedSpanCount());
      }
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      GenAiNormalizer genAi = new GenAiNormalizer(meters);
      return new Loaded(
          recorded,
          genAi,
          new Replay(new DecisionEngine(loaded.policies(), Clock.systemUTC(), meters), genAi));
    }
  }

  /** A loaded config and recording, ready to replay. */
  record Loaded(RecordedTraces recorded, GenAiNormalizer genAi, Replay replay) {}

  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description = {
        "Run a config's policies over recorded traces and print which would be kept and why.",
        "INPUT is OTLP JSON as the Collector's file exporter or llmtail's file exporter write it"
            + " (one TracesData per line, or one document). Exit 0, or 1 if the config or an input"
            + " cannot be read."
      })
  static final class ReplayTraces implements Callable<Integer> {
    @Spec CommandSpec spec;

    @picocli.CommandLine.Mixin ReplayInputs inputs;

    @Parameters(arity = "1..*", paramLabel = "INPUT", description = "recorded traces (OTLP JSON)")
    List<Path> recordings;

    @Override
    public Integer call() {
      Loaded loaded = inputs.load(spec, recordings);
      if (loaded == null) {
        return CONFIG_ERROR;
      }
      ReplayReport.traces(
          loaded.replay().decideAll(loaded.recorded()), inputs.format, spec.commandLine().getOut());
      return 0;
    }
  }

  @Command(
      name = "explain",
      mixinStandardHelpOptions = true,
      description = {
        "Print every policy's verdict and evidence for one recorded trace.",
        "Exit 0, or 1 if the config or an input cannot be read or the trace is not in it."
      })
  static final class ExplainTrace implements Callable<Integer> {
    @Spec CommandSpec spec;

    @picocli.CommandLine.Mixin ReplayInputs inputs;

    @Option(
        names = {"-t", "--trace"},
        required = true,
        paramLabel = "ID",
        description = "trace id, 32 hex digits")
    String trace;

    @Parameters(arity = "1..*", paramLabel = "INPUT", description = "recorded traces (OTLP JSON)")
    List<Path> recordings;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      TraceId id;
      try {
        id = TraceId.fromHex(trace.trim().toLowerCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        err.println("--trace: " + e.getMessage());
        return CONFIG_ERROR;
      }
      Loaded loaded = inputs.load(spec, recordings);
      if (loaded == null) {
        return CONFIG_ERROR;
      }
      Optional<TraceView> view = loaded.recorded().view(id, loaded.genAi());
      if (view.isEmpty()) {
        err.printf(
            "trace %s is not in %s (%d traces read; `llmtail replay` lists them)%n",
            id.toHex(),
            recordings.stream().map(Path::toString).collect(Collectors.joining(", ")),
            loaded.recorded().traceIds().size());
        return CONFIG_ERROR;
      }
      ReplayReport.explain(
          loaded.replay().decide(view.get()), inputs.format, spec.commandLine().getOut());
      return 0;
    }
  }

  @Command(
      name = "schema",
      mixinStandardHelpOptions = true,
      description = {
        "Print the JSON Schema of the config file (what config/llmtail.schema.json holds), for"
            + " editors to complete and check llmtail.yaml."
      })
  static final class Schema implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.print(ConfigSchema.of(ConfigLoader.withSystemEnvironment()).text());
      out.flush();
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
