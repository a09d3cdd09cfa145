package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmtail.core.NamedPolicy;
import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.testing.Dialect;
import dev.llmtail.testing.LlmCallSpec;
import dev.llmtail.testing.LlmTraces;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * Every command in README.md and docs/*.md works as written or is listed with where it runs, and
 * the outputs shown match.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DocumentedCommandsTest {

  private static final String LLMTAIL_JAR = "java -jar sampler-server/target/llmtail.jar ";
  private static final String CI_RUN = ".ci/run runs it";

  /**
   * Documented commands this test does not run, exactly as the docs write them, with where they are
   * exercised or why they are not. {@value #CI_RUN} is checked against .ci/run; a command the docs
   * add or change must be run above or listed here.
   */
  private static final Map<String, String> NOT_RUN_HERE =
      Map.ofEntries(
          // README.md
          Map.entry("./mvnw -B verify -Pfaults", CI_RUN),
          Map.entry(
              "./mvnw -B -q spotless:apply",
              "not run: it rewrites the sources; .ci/run's verify runs spotless:check"),
          Map.entry(
              "./mvnw -q -DskipTests package",
              "not run as such: .ci/run's ./mvnw -B verify -Pfaults packages the same jar"),
          // docs/deploy.md and README.md: the image
          Map.entry(
              "./mvnw -B -DskipTests verify",
              "not run as such: .ci/run's ./mvnw -B verify -Pfaults builds the same jar and image"),
          Map.entry("docker load -i sampler-server/target/llmtail-image.tar", CI_RUN),
          Map.entry("docker build -f docker/Dockerfile -t llmtail .", CI_RUN),
          Map.entry(
              "docker stop -t 40",
              "not run as such: ContainerImageIT stops the image through the engine's API with a 40 s timeout and expects exit 0"),
          Map.entry(
              "BACKEND_ENDPOINT=tempo:4317 docker compose -f docker/sidecar/compose.yaml up",
              "not run: needs Docker, a Collector image and a backend; DeployRecipesTest checks the files"),
          Map.entry(
              "BACKEND_ENDPOINT=tempo:4317 docker compose -f docker/scale-out/compose.yaml up",
              "not run: needs Docker, a Collector image and a backend; DeployRecipesTest checks the files"),
          Map.entry(
              "BACKEND_ENDPOINT=tempo:4317 docker compose -f docker/kafka/compose.yaml up --scale llmtail=3",
              "not run: needs Docker, Kafka and Collector images and a backend; DeployRecipesTest checks the files"),
          Map.entry(
              "kubectl apply -f docker/kafka/kubernetes.yaml",
              "not run: needs a Kubernetes cluster with KEDA; DeployRecipesTest checks the manifest"),
          Map.entry(
              "kubectl apply -f docker/kubernetes/llmtail.yaml",
              "not run: needs a Kubernetes cluster; DeployRecipesTest checks the manifest"),
          // docs/operations.md
          Map.entry(
              "JAZZER_FUZZ=1 ./mvnw -B -P-image -pl sampler-server -am test -Djazzer.hooks=true -Dtest='OtlpHttpFuzzTest#jsonBodies' -Dsurefire.failIfNoSpecifiedTests=false",
              "not run as such: fuzzing takes minutes; the build replays every fuzz test's saved inputs"),
          // docs/debugging.md
          Map.entry(
              "kubectl port-forward pod/<llmtail-pod> 5319", "not run: needs a Kubernetes cluster"),
          // docs/performance.md: the benchmark is outside the default build and takes minutes
          Map.entry("./mvnw -B verify", CI_RUN),
          Map.entry(
              "./mvnw -B -q -Pbench -pl sampler-bench -am package -DskipTests",
              "not run: the benchmark build (-Pbench)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar",
              "not run: the benchmark takes about ten minutes"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --rate=8000",
              "not run: a benchmark run"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c,e,f",
              "not run: a benchmark run (the span log rows)"),
          Map.entry(
              "./mvnw -B -q -Pbench -P-image -pl sampler-bench -am package -DskipTests",
              "not run: the benchmark build (-Pbench), without the container image"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c,e",
              "not run: a benchmark run (the span log row beside (c))"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c,e --rate=8000",
              "not run: a benchmark run (the span log row at a sustained rate)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar org.openjdk.jmh.Main -f 1 -wi 3 -i 5",
              "not run: JMH benchmarks"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.HotPathCpuTime",
              "not run: a benchmark run"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.HotPathCpuTime 3",
              "not run: a benchmark run (3 s per hot path)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --help",
              "not run: needs the benchmark build (-Pbench); prints the bench's options"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --jfr=true",
              "not run: a benchmark run (with a JFR profile of each llmtail)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix,llm --rate=5000",
              "not run: a benchmark run (the shipped policy set at a fixed rate, both inputs)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c,e --inputs=mix,llm --rate=5000 --warmup-max=45",
              "not run: a benchmark run (with and without the span log at a fixed rate, warmed up 45 s)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix,llm --rate=5000 --warmup-max=120",
              "not run: a benchmark run (the shipped policy set at a fixed rate, warmed up until the JIT settles)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c,e --inputs=mix,llm --rate=5000",
              "not run: a benchmark run (with and without the span log at a fixed rate, both inputs)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=e --inputs=mix --rate=5000 --jfr=true",
              "not run: a benchmark run (the span log row at a fixed rate, with a JFR profile)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar org.openjdk.jmh.Main -f 1 -wi 2 -w 2s -i 3 -r 2s -prof gc IngestBenchmark",
              "not run: JMH benchmarks (ingest, with allocation per request)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar org.openjdk.jmh.Main -f 1 -wi 2 -w 2s -i 5 -r 2s -prof gc IngestBenchmark.slice",
              "not run: JMH benchmarks (the walk and the fragments, both inputs, with allocation)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix --rate=5000 --warmup-max=45",
              "not run: a benchmark run (the shipped policy set on the mix at a fixed rate, warmed up 45 s)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix --rate=5000 --warmup-max=45 --jvm='-Xlog:gc*,gc+age=trace:file=/tmp/gc-%p.log'",
              "not run: a benchmark run (G1 at -Xmx2g, with a GC log)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=llm --rate=5000 --warmup-max=45 --jvm='-Xlog:gc*,gc+age=trace:file=/tmp/gc-%p.log'",
              "not run: a benchmark run (G1 at -Xmx2g, with a GC log)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix --rate=5000 --warmup-max=45 --xmx=576m --jvm='-XX:+UseSerialGC -Xlog:gc*,gc+age=trace:file=/tmp/gc-%p.log'",
              "not run: a benchmark run (Serial at 576 MB, a small container's collector, with a GC log)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=llm --rate=5000 --warmup-max=45 --xmx=576m --jvm='-XX:+UseSerialGC -Xlog:gc*,gc+age=trace:file=/tmp/gc-%p.log'",
              "not run: a benchmark run (Serial at 576 MB, a small container's collector, with a GC log)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix --rate=5000",
              "not run: a benchmark run (the shipped policy set on the mix at a fixed rate)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix,llm --rate=5000 --jvm=-XX:+UseParallelGC",
              "not run: a benchmark run (another collector than the JVM picks)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix,llm --rate=5000 --jvm=-XX:+UseSerialGC",
              "not run: a benchmark run (another collector than the JVM picks)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix,llm --rate=5000 --jvm=-XX:MaxGCPauseMillis=500",
              "not run: a benchmark run (G1 with a longer pause target)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix,llm --rate=5000 --xmx=576m",
              "not run: a benchmark run (the heap the Kubernetes recipes' 768Mi give)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix,llm --rate=5000 --xmx=576m --jvm=-XX:+UseSerialGC",
              "not run: a benchmark run (Serial, which the JVM picks in those containers)"),
          Map.entry(
              "java -jar BEFORE/llmtail-bench.jar --configs=c --inputs=mix,llm --rate=5000 --warmup-max=45 --config=BEFORE/llmtail.yaml --jvm-options=BEFORE/jvm.options",
              "not run: a benchmark run (an earlier commit's bench jar, config and JVM options)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix,llm --rate=5000 --warmup-max=45",
              "not run: a benchmark run (both inputs at fixed rates)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c,d --inputs=mix,llm --rate=0 --llm-rate=0 --config=FILE",
              "not run: a benchmark run (the buffer held full with a share of the heap, -Xmx2g)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c,d --inputs=mix,llm --rate=0 --llm-rate=0 --config=FILE --xmx=576m --jvm=-XX:+UseSerialGC",
              "not run: a benchmark run (the buffer held full in the recipes' heap and collector)"),
          Map.entry(
              "java -jar BEFORE/llmtail-bench.jar --configs=b,c --inputs=mix --config=BEFORE/llmtail.yaml --jvm-options=BEFORE/jvm.options",
              "not run: a benchmark run (an earlier commit's pass-through and saturated rows)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=b,c --inputs=mix",
              "not run: a benchmark run (pass-through and saturated rows on the mix)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=llm --warmup-max=45 --config=FILE",
              "not run: a benchmark run (the llm input with a config whose gzip level is changed)"),
          Map.entry(
              "java -Xint -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.ExporterCallCpu mix 200 2 1",
              "not run: a benchmark run (the exporter's sender thread, interpreted)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.ExporterCallCpu mix 3000 2 1",
              "not run: a benchmark run (the exporter's sender thread, compiled)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.ExporterCallCpu llm 3000 2 1",
              "not run: a benchmark run (the exporter's sender thread on the llm input, gzip level 1)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.ExporterCallCpu llm 3000 2 none",
              "not run: a benchmark run (the exporter's sender thread on the llm input, uncompressed)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix --rate=5000 --warmup-max=90 --config=FILE",
              "not run: a benchmark run (receiving before and after, mix input)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=llm --rate=5000 --warmup-max=90 --config=FILE",
              "not run: a benchmark run (receiving before and after, llm input)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.GrpcReceiveCpuTime 8 llm",
              "not run: a benchmark run (the gRPC receiver alone, llm input)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.GrpcReceiveCpuTime 8 mix",
              "not run: a benchmark run (the gRPC receiver alone, mix input)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.ExporterCallCpu mix 400 2 none",
              "not run: a benchmark run (the exporter's sender thread, CPU and allocation, mix)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.ExporterCallCpu llm 400 2 none",
              "not run: a benchmark run (the exporter's sender thread, CPU and allocation, llm)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.GrpcReceiveCpuTime 15 mix 10",
              "not run: a benchmark run (the gRPC receiver alone at 10 requests a second, mix)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.GrpcReceiveCpuTime 15 llm 10",
              "not run: a benchmark run (the gRPC receiver alone at 10 requests a second, llm)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.GrpcReceiveCpuTime 8 llm 11",
              "not run: a benchmark run (the gRPC receiver alone at the llm row's 11 requests a second)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=llm --duration=40",
              "not run: a benchmark run (the llm row, 40 s measured, receiving before and after)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c,e --inputs=mix",
              "not run: a benchmark run (the saturated mix rows, with and without the span log)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=llm --warmup-max=120 --duration=60",
              "not run: a benchmark run (a settled llm row, 60 s measured)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.DecisionPathCpuTime 15",
              "not run: a benchmark run (the mix's decision path on one thread, 15 s per figure)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix --rate=5000 --warmup-max=90",
              "not run: a benchmark run (the mix at a fixed rate, warmed up at most 90 s)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.DecisionPathCpuTime 30",
              "not run: a benchmark run (the mix's decision path on one thread, 30 s per figure)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.DecisionPathCpuTime 30 fresh",
              "not run: a benchmark run (the same, each trace decided as soon as it was admitted)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.DecisionPathCpuTime 15 llm",
              "not run: a benchmark run (the llm input's decision path on one thread, 15 s per"
                  + " figure)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar org.openjdk.jmh.Main -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc StoredTraceBenchmark",
              "not run: JMH benchmarks (a buffered trace read back, with allocation per trace)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.HotPathCpuTime 3 llm",
              "not run: a benchmark run (3 s per hot path, llm input)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=llm --rate=5000 --warmup-max=45",
              "not run: a benchmark run (the llm input at its fixed rate)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix --rate=5000 --warmup-max=45 --duration=100",
              "not run: a benchmark run (a row long enough to fill the decision log, for a heap"
                  + " histogram)"),
          Map.entry(
              "java -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.ExporterCallCpu llm 1200 2 none 20",
              "not run: a benchmark run (the exporter's sender thread at 20 calls a second, llm)"),
          Map.entry(
              "java @docker/jvm.options -cp sampler-bench/target/llmtail-bench.jar dev.llmtail.bench.ExporterCallCpu llm 1200 2 none 20",
              "not run: a benchmark run (the same with the image's JVM options)"),
          Map.entry(
              "java -jar BEFORE/llmtail-bench.jar --configs=c --inputs=llm --warmup-max=120 --duration=60 --config=BEFORE/llmtail.yaml --jvm-options=BEFORE/jvm.options",
              "not run: a benchmark run (a settled llm row of a jar copied aside)"),
          Map.entry(
              "java -jar BEFORE/llmtail-bench.jar --configs=c --inputs=mix --rate=5000 --warmup-max=90 --config=BEFORE/llmtail.yaml --jvm-options=BEFORE/jvm.options",
              "not run: a benchmark run (the mix at a fixed rate, of a jar copied aside)"),
          // docs/performance.md, fifth round: fragments in slabs, before and after, with GC logs
          Map.entry(
              "java -jar BEFORE/llmtail-bench.jar --configs=c --inputs=llm --warmup-max=120 --duration=60 --config=BEFORE/llmtail.yaml --jvm-options=BEFORE/jvm.options --jvm=-Xlog:gc*:file=/tmp/gc-%p.log",
              "not run: a benchmark run of an older commit's jar copied aside, with a GC log"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=llm --warmup-max=120 --duration=60 --jvm=-Xlog:gc*:file=/tmp/gc-%p.log",
              "not run: a benchmark run (the llm input settled, with a GC log)"),
          Map.entry(
              "java -jar BEFORE/llmtail-bench.jar --configs=c --inputs=mix --rate=5000 --warmup-max=60 --duration=40 --config=BEFORE/llmtail.yaml --jvm-options=BEFORE/jvm.options --jvm=-Xlog:gc*:file=/tmp/gc-%p.log",
              "not run: a benchmark run of an older commit's jar copied aside, with a GC log"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=mix --rate=5000 --warmup-max=60 --duration=40 --jvm=-Xlog:gc*:file=/tmp/gc-%p.log",
              "not run: a benchmark run (the mix at a fixed rate, with a GC log)"),
          Map.entry(
              "java -jar BEFORE/llmtail-bench.jar --configs=c --inputs=llm --warmup-max=45 --duration=30 --xmx=576m --config=BEFORE/llmtail.yaml --jvm-options=BEFORE/jvm.options --jvm='-XX:+UseSerialGC -Xlog:gc*:file=/tmp/gc-%p.log'",
              "not run: a benchmark run of an older commit's jar copied aside (Serial at 576 MB)"),
          Map.entry(
              "java -jar sampler-bench/target/llmtail-bench.jar --configs=c --inputs=llm --warmup-max=45 --duration=30 --xmx=576m --jvm='-XX:+UseSerialGC -Xlog:gc*:file=/tmp/gc-%p.log'",
              "not run: a benchmark run (Serial at 576 MB, where fragments get arrays of their"
                  + " own)"));

  /**
   * The trace and conversation docs/debugging.md looks up; the trace is dropped by the shipped
   * policies.
   */
  private static final String DEBUGGING_TRACE = "359d41baf78afe0de1bbe7ae28c0450c";

  private static final String DEBUGGING_CONVERSATION = "support-ticket-1234";

  private static final Pattern ADMIN_PORT = Pattern.compile("admin HTTP on port (\\d+)");
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final Map<String, DocWorkspace> workspaces = new HashMap<>();
  private Sidecar sidecar;
  private AdminClient admin;

  @AfterAll
  void stopSidecar() {
    if (admin != null) {
      admin.close();
    }
    if (sidecar != null) {
      sidecar.close();
    }
  }

  private static Map<String, MarkdownCommands> docs() throws IOException {
    Map<String, MarkdownCommands> docs = new LinkedHashMap<>();
    docs.put(
        "README.md",
        MarkdownCommands.read(DocWorkspace.REPOSITORY.resolve("README.md"), "README.md"));
    try (Stream<Path> files = Files.list(DocWorkspace.REPOSITORY.resolve("docs"))) {
      for (Path doc : files.filter(f -> f.toString().endsWith(".md")).sorted().toList()) {
        String name = "docs/" + doc.getFileName();
        docs.put(name, MarkdownCommands.read(doc, name));
      }
    }
    return docs;
  }

  private static List<MarkdownCommands.Command> allCommands() throws IOException {
    List<MarkdownCommands.Command> all = new ArrayList<>();
    docs().values().forEach(doc -> all.addAll(doc.commands()));
    return all;
  }

  /**
   * One test per documented command, grouped by file; a file's commands share a workspace, in
   * order.
   */
  @TestFactory
  Stream<DynamicContainer> everyDocumentedCommandWorksOrIsAccountedFor() throws IOException {
    return docs().entrySet().stream()
        .map(
            doc ->
                DynamicContainer.dynamicContainer(
                    doc.getKey(),
                    doc.getValue().commands().stream()
                        .map(
                            c ->
                                DynamicTest.dynamicTest(
                                    c.line() + ": " + c.text(), () -> exercise(c)))));
  }

  @Test
  void theDocsHoldCommandsOfEveryKind() throws IOException {
    List<String> texts = allCommands().stream().map(MarkdownCommands.Command::text).toList();
    assertThat(texts).anyMatch(t -> t.startsWith(LLMTAIL_JAR + "run "));
    assertThat(texts).anyMatch(t -> t.startsWith(LLMTAIL_JAR + "explain "));
    assertThat(texts).anyMatch(t -> t.startsWith("curl -s localhost:5319/debug/"));
    assertThat(texts).anyMatch(t -> t.startsWith("curl -s 'localhost:5319/debug/decisions?"));
    assertThat(texts).anyMatch(t -> t.startsWith("kubectl "));
  }

  @Test
  void everyCommandListedAsNotRunHereIsStillInTheDocs() throws IOException {
    List<String> texts = allCommands().stream().map(MarkdownCommands.Command::text).toList();
    assertThat(texts).containsAll(NOT_RUN_HERE.keySet());
  }

  /**
   * The jar the docs run is the one the build writes, and its main is the {@link Main} this test
   * runs.
   */
  @Test
  void theDocumentedJarIsTheShadedJarOfThisModule() throws Exception {
    Document pom =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(Path.of("pom.xml").toFile());
    XPath xpath = XPathFactory.newInstance().newXPath();
    String shade = "//plugin[artifactId='maven-shade-plugin']//configuration/";
    assertThat("sampler-server/target/" + xpath.evaluate(shade + "finalName", pom) + ".jar")
        .isEqualTo(LLMTAIL_JAR.split(" ", -1)[2]);
    assertThat(xpath.evaluate(shade + "transformers/transformer/mainClass", pom))
        .isEqualTo(Main.class.getName());
  }

  private void exercise(MarkdownCommands.Command command) throws Exception {
    try {
      exerciseOrFail(command);
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(command + ": " + e.getMessage(), e);
    }
  }

  private void exerciseOrFail(MarkdownCommands.Command command) throws Exception {
    String text = command.text();
    if (text.startsWith(LLMTAIL_JAR)) {
      llmtail(
          DocWorkspace.arguments(text.substring(LLMTAIL_JAR.length())), workspace(command.file()));
    } else if (DocumentedPost.isOne(text)) {
      admin(); // the sidecar the documented POSTs go to
      DocumentedPost.parse(text).check(sidecar.httpPort());
    } else if (text.startsWith("curl ") && !NOT_RUN_HERE.containsKey(text)) {
      curl(text);
    } else if (text.startsWith("llmtail ")) {
      // A mention in prose such as `llmtail replay`: the subcommand must exist.
      assertThat(Main.commandLine().getSubcommands()).containsKey(ShellWords.words(text).get(1));
    } else if (!NOT_RUN_HERE.containsKey(text)) {
      fail(
          "%s is neither run by %s nor listed in its NOT_RUN_HERE with where it is exercised",
          command, getClass().getSimpleName());
    } else if (NOT_RUN_HERE.get(text).equals(CI_RUN)) {
      assertThat(Files.readAllLines(DocWorkspace.REPOSITORY.resolve(".ci/run")))
          .as(".ci/run, which %s says runs %s", getClass().getSimpleName(), text)
          .anyMatch(
              line -> !line.strip().startsWith("#") && line.replaceAll("\\s+", " ").contains(text));
    }
  }

  private DocWorkspace workspace(String doc) {
    return workspaces.computeIfAbsent(
        doc,
        name -> {
          try {
            return DocWorkspace.create(
                Files.createDirectories(dir.resolve(name.replace('/', '_'))));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  // ---------------------------------------------------------------- llmtail's own commands

  private void llmtail(List<String> args, DocWorkspace workspace) throws Exception {
    String subcommand = args.isEmpty() ? "" : args.get(0);
    if (subcommand.equals("run")) {
      runUntilSigterm(args, workspace);
      return;
    }
    DocWorkspace.Result result = workspace.llmtail(args);
    assertThat(result.exitCode()).as("%s", result).isZero();
    switch (subcommand) {
      case "validate" ->
          assertThat(result.out())
              .as("%s", result)
              .matches(
                  Pattern.quote(args.size() == 2 ? args.get(1) : option(args, "--config", "-c"))
                      + ": valid \\(\\d+ policies\\)\\R");
      case "replay" -> {
        if (args.contains("--by-policy")) {
          // The corpus of real instrumentation traces: every LLM policy a row, none keeping a
          // healthy recording, as docs/policies.md shows.
          assertThat(result.out())
              .as("%s", result)
              .containsPattern("refusals\\s+refusal\\s+\\d+\\s+\\d+/\\d+\\s+0/\\d+ \\(0\\.0%\\)")
              .containsPattern(
                  "\\(LLM set\\)\\s+(\\d+)/\\1\\s+0/\\d+ \\(0\\.0%\\)\\s+(\\d+)/\\2\\s+0/");
          return;
        }
        assertThat(result.out())
            .as("%s", result)
            .containsPattern(DocWorkspace.REFUSED_TRACE + "\\s+kept\\s.*kept by refusals")
            .containsPattern(DocWorkspace.HEALTHY_TRACE + "\\s+dropped\\s.*no policy matched")
            .contains("2 traces: 1 kept", "kept by refusals: 1");
        assertThat(result.err()).isEmpty();
      }
      case "explain" -> {
        assertThat(result.out())
            .as("%s", result)
            .startsWith("trace " + DocWorkspace.REFUSED_TRACE + ": KEPT — kept by refusals");
        for (NamedPolicy policy : config(workspace, option(args, "--config", "-c")).policies()) {
          assertThat(result.out())
              .as("%s: the verdict of policy %s", result, policy.name())
              .containsPattern(
                  "(keep|drop|no_opinion)\\s+" + Pattern.quote(policy.name()) + " \\(");
        }
      }
      case "import-otel-config" -> {
        String written = option(args, "-o", "--output");
        assertThat(workspace.llmtail(List.of("validate", written)).exitCode())
            .as("validate %s", written)
            .isZero();
      }
      case "schema" ->
          assertThat(result.out())
              .isEqualTo(
                  Files.readString(DocWorkspace.REPOSITORY.resolve("config/llmtail.schema.json")));
      case "--help" ->
          assertThat(result.out()).contains(Main.commandLine().getSubcommands().keySet());
      default ->
          fail(
              "%s: no expectation for `llmtail %s` here yet: add what the docs promise",
              result, subcommand);
    }
  }

  private static String option(List<String> args, String... names) {
    for (int i = 0; i + 1 < args.size(); i++) {
      if (List.of(names).contains(args.get(i))) {
        return args.get(i + 1);
      }
    }
    throw new AssertionError("no " + String.join("/", names) + " in " + args);
  }

  private static LlmtailConfig config(DocWorkspace workspace, String file) throws Exception {
    return ConfigLoader.withEnvironment(Map.of()).load(workspace.resolve(file));
  }

  /**
   * {@code llmtail run} as a process in the workspace, every port on loopback, chosen by the OS: it
   * answers {@code /readyz}, and SIGTERM stops it with exit code 0, as the README promises.
   */
  private void runUntilSigterm(List<String> args, DocWorkspace workspace) throws Exception {
    Main.commandLine()
        .parseArgs(args.toArray(String[]::new)); // a renamed option fails here, as picocli says it
    Map<String, String> loopback = TestPorts.SHIPPED_CONFIG_ON_LOOPBACK;
    LlmtailConfig config =
        ConfigLoader.withEnvironment(loopback)
            .load(workspace.resolve(option(args, "--config", "-c")));
    assertThat(
            List.of(
                config.receivers().grpc().endpoint(),
                config.receivers().http().endpoint(),
                config.admin().endpoint()))
        .as(
            "the documented config must listen where LLMTAIL_*_ENDPOINT say, so that this test binds only loopback")
        .containsOnly("127.0.0.1:0");
    Path log = workspace.resolve("run.log");
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    command.addAll(args);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workspace.dir().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("LLMTAIL_"));
    builder.environment().putAll(loopback);
    Process process = builder.start();
    try {
      await()
          .atMost(WAIT)
          .until(() -> ADMIN_PORT.matcher(Files.readString(log)).find() || !process.isAlive());
      Matcher port = ADMIN_PORT.matcher(Files.readString(log));
      assertThat(port.find()).as(Files.readString(log)).isTrue();
      HttpResponse<String> ready =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + port.group(1) + "/readyz"))
                      .timeout(WAIT)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      process.destroy(); // SIGTERM
      assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS))
          .as("stopped within %s", WAIT)
          .isTrue();
      assertThat(process.exitValue()).as(Files.readString(log)).isZero();
    } finally {
      process.destroyForcibly();
    }
  }

  // ---------------------------------------------------------------- curl against a running sidecar

  private void curl(String command) throws IOException {
    DocumentedCurl curl = DocumentedCurl.parse(command);
    if (curl.method().equals("POST")) {
      keep(curl);
      return;
    }
    Matcher trace = Pattern.compile("/debug/traces/(\\w+)").matcher(curl.path());
    if (trace.matches()) {
      // A trace the docs sent a moment ago (docs/examples) is decided after the quiet period.
      await().atMost(WAIT).until(() -> admin().state(trace.group(1)).equals("decided"));
    }
    JsonNode answer = curl.check(admin());
    if (trace.matches()) {
      assertThat(answer.path("state").asText())
          .as("the state of the trace %s asks for", command)
          .isEqualTo("decided");
    }
    if (curl.path().startsWith("/debug/conversations/")) {
      assertThat(answer.path("traces"))
          .as("the traces of the conversation %s asks for", command)
          .isNotEmpty();
    }
  }

  /**
   * A documented {@code POST .../keep}, sent as the docs write it (with their headers) to a sidecar
   * of its own, so that the keep changes nothing the other documented lookups see: the documented
   * conversation's dropped trace is exported, whole, marked promoted.
   */
  private void keep(DocumentedCurl curl) throws IOException {
    Path exported = dir.resolve("keep-kept.jsonl");
    try (Sidecar keeping = startWithDocumentedTrace(exported);
        AdminClient client = new AdminClient(keeping)) {
      curl.check(client);
      assertThat(
              client
                  .json("/debug/traces/" + DEBUGGING_TRACE)
                  .path("decision")
                  .path("trigger")
                  .asText())
          .as("the decision on the trace after %s %s", curl.method(), curl.path())
          .isEqualTo("promoted");
      await().atMost(WAIT).until(() -> Files.exists(exported));
      assertThat(Files.readString(exported))
          .contains(DEBUGGING_TRACE)
          .contains("llmtail.sampling.promoted");
    }
  }

  /**
   * The shipped config with every port on loopback, chosen by the OS, and a quiet period of 200ms
   * instead of 10s, so that the documented trace is decided without a wait; it has been sent and
   * decided when this returns.
   */
  private AdminClient admin() {
    if (admin != null) {
      return admin;
    }
    sidecar = startWithDocumentedTrace(dir.resolve("sidecar-kept.jsonl"));
    admin = new AdminClient(sidecar);
    return admin;
  }

  /**
   * A sidecar with the shipped config (its span log in a directory of its own) that has decided the
   * trace of docs/debugging.md: dropped, its spans retained; kept traces go to {@code kept}.
   */
  private static Sidecar startWithDocumentedTrace(Path kept) {
    Sidecar started;
    try {
      LlmtailConfig config =
          TestPorts.shippedConfig("200ms", Map.of("LLMTAIL_EXPORTER_FILE", kept.toString()));
      started =
          Sidecar.start(
              config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Duration.ofSeconds(5));
    } catch (Exception e) {
      throw new AssertionError("starting the sidecar", e);
    }
    try (AdminClient client = new AdminClient(started)) {
      client.send(
          LlmTraces.chat(
              DEBUGGING_TRACE,
              Dialect.OTEL_GENAI,
              LlmCallSpec.healthy().conversation(DEBUGGING_CONVERSATION).at(100, 650)));
      await().atMost(WAIT).until(() -> client.state(DEBUGGING_TRACE).equals("decided"));
    }
    return started;
  }

  // ---------------------------------------------------------------- outputs the docs show

  /** The content of the one fenced block of {@code doc} that starts with {@code firstLine}. */
  private static String shownOutput(String doc, String firstLine) throws IOException {
    List<String> shown =
        docs().get(doc).blocks().stream()
            .map(MarkdownCommands.Block::content)
            .filter(content -> content.startsWith(firstLine))
            .toList();
    assertThat(shown).as("blocks of %s that start with %s", doc, firstLine).hasSize(1);
    return shown.get(0);
  }

  /**
   * Fails unless the block of {@code doc} that starts with {@code firstLine} shows what was {@code
   * printed}.
   */
  private static void assertShows(String doc, String firstLine, String printed) throws IOException {
    String shown = shownOutput(doc, firstLine);
    assertThat(OutputTemplate.of(shown).matches(printed))
        .as("%s shows\n%s\nllmtail printed\n%s", doc, shown, printed)
        .isTrue();
  }

  /** {@code llmtail validate FILE}, {@code yaml} written to FILE in a directory of its own. */
  private DocWorkspace.Result validate(String file, String yaml) throws IOException {
    DocWorkspace workspace = DocWorkspace.empty(Files.createTempDirectory(dir, "validate"));
    Files.createDirectories(workspace.resolve(file).getParent());
    Files.writeString(workspace.resolve(file), yaml);
    return workspace.llmtail(List.of("validate", file));
  }

  @Test
  void validateReportsEveryProblemAsDocsConfigurationShows() throws IOException {
    DocWorkspace.Result result = validate("config/llmtail.yaml", THREE_MISTAKES);
    assertThat(result.exitCode()).isEqualTo(1);
    assertShows("docs/configuration.md", "3 problems in config/llmtail.yaml:", result.err());
  }

  @Test
  void aFileThatIsNotYamlIsReportedAsDocsConfigurationShows() throws IOException {
    DocWorkspace.Result result =
        validate("config/llmtail.yaml", "buffer:\n  quiet_period 10s\n  max_traces: 5\n");
    assertThat(result.exitCode()).isEqualTo(1);
    assertShows("docs/configuration.md", "config/llmtail.yaml:3: not valid YAML", result.err());
  }

  @Test
  void aConditionThatDoesNotCompileIsReportedAsDocsPoliciesShows() throws IOException {
    DocWorkspace.Result result = validate("llmtail.yaml", UNDECLARED_VARIABLE);
    assertThat(result.exitCode()).isEqualTo(1);
    assertShows("docs/policies.md", "1 problem in llmtail.yaml:", result.err());
  }

  @Test
  void importOtelConfigListsWhatItCouldNotConvertAsTheMigrationGuideShows() throws IOException {
    String doc = "docs/migrating-from-tail-sampling.md";
    String command =
        docs().get(doc).commands().stream()
            .map(MarkdownCommands.Command::text)
            .filter(t -> t.startsWith(LLMTAIL_JAR + "import-otel-config "))
            .findFirst()
            .orElseThrow();
    DocWorkspace workspace = DocWorkspace.create(Files.createDirectories(dir.resolve("migration")));
    DocWorkspace.Result result =
        workspace.llmtail(DocWorkspace.arguments(command.substring(LLMTAIL_JAR.length())));
    assertThat(result.exitCode()).isZero();
    assertShows(doc, "Converted with a difference (", result.err());
  }

  @Test
  void theDebugPageAnswersAsDocsDebuggingShows() throws IOException {
    JsonNode conversation = admin().json("/debug/conversations/" + DEBUGGING_CONVERSATION);
    // The conversation in plain words as docs/debugging.md prints it: its explanation, then each
    // trace's id and explanation.
    StringBuilder page = new StringBuilder(conversation.path("explanation").asText());
    conversation
        .path("traces")
        .forEach(
            t ->
                page.append("\n\n• ")
                    .append(t.path("trace_id").asText())
                    .append('\n')
                    .append(t.path("explanation").asText()));
    assertShows(
        "docs/debugging.md", "Conversation " + DEBUGGING_CONVERSATION + ":", page.toString());
  }

  /** Where the two configs below start: receivers and exporter, lines 2 to 11. */
  private static final String RECEIVERS_AND_EXPORTER =
      """
      receivers:
        grpc:
          endpoint: 0.0.0.0:5317
        http:
          endpoint: 0.0.0.0:5318

      exporter:
        file:
          path: llmtail-kept.jsonl

      """;

  /**
   * A config with the three mistakes docs/configuration.md shows reported, on the lines it names.
   */
  private static final String THREE_MISTAKES =
      "# llmtail config with three mistakes (docs/configuration.md, \"Errors\")\n"
          + RECEIVERS_AND_EXPORTER
          + """
          buffer:
            # decide once the root span ended and nothing arrived for this long
            quiet_periood: 10s
            max_trace_wait: 5m
            max_traces: 100000
            max_bytes: 256MiB

          decision_cache:
            max_entries: 200000
            ttl: 10m

          # Evaluated in order, every one for every trace.
          policies:
            - name: errors
              type: status_code
              status_codes: [ERROR]

            # --- slow requests ---
            - name: slow
              type: latencyy
              threshold: 30s

            - name: baseline
              type: probabilistic
              sampling_percentage: 150
          """;

  /**
   * A config whose condition policy, on the line docs/policies.md names, reads a variable that does
   * not exist.
   */
  private static final String UNDECLARED_VARIABLE =
      "# llmtail config whose condition reads llm_callz (docs/policies.md, \"condition\")\n"
          + RECEIVERS_AND_EXPORTER
          + """
          buffer:
            quiet_period: 10s
            max_trace_wait: 5m

          decision_cache:
            max_entries: 200000
            ttl: 10m

          # Evaluated in order, every one for every trace.
          policies:
            - name: refusals
              type: refusal
            - name: truncated-streams
              type: truncated-stream
            - name: errors
              type: status_code
              status_codes: [ERROR]
            - name: cut-streams
              type: condition
              expression: llm_callz.exists(c, c.finish_reasons.exists(r, r == "length") && c.streaming)
          """;
}
