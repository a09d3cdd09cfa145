package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * llmtail's JVM options live in one file, {@code docker/jvm.options}: both container images pass it
 * to {@code java} as an argument file and the benchmark runs llmtail with it, so what is measured
 * is what ships.
 */
class ImageJvmOptionsTest {

  private static final Path OPTIONS = Path.of("../docker/jvm.options");
  private static final String IN_IMAGE = "/opt/llmtail/jvm.options";

  @Test
  void bothImagesCopyTheFileAndPassItToJava() throws IOException {
    String dockerfile = Files.readString(Path.of("../docker/Dockerfile"));
    assertThat(dockerfile)
        .contains("COPY docker/jvm.options " + IN_IMAGE + "\n")
        .contains("ENTRYPOINT [\"java\", \"@" + IN_IMAGE + "\", \"-jar\"");
    String pom = Files.readString(Path.of("pom.xml"));
    assertThat(pom)
        .contains("<jvmFlag>@" + IN_IMAGE + "</jvmFlag>")
        .containsPattern(
            "<from>\\$\\{project.basedir}/../docker</from>\\s*<into>/opt/llmtail</into>\\s*"
                + "<includes>jvm.options</includes>");
    assertThat(pom).doesNotContain("<jvmFlag>-XX");
  }

  @Test
  void theFileSizesTheHeapFromTheContainerLeavesTheCollectorToTheJvmAndStartsIt() throws Exception {
    List<String> flags =
        Files.readAllLines(OPTIONS).stream()
            .map(l -> l.replaceFirst("#.*", "").strip())
            .filter(l -> !l.isEmpty())
            .toList();
    assertThat(flags)
        .containsExactly(
            "-XX:MaxRAMPercentage=75",
            "-XX:+ExitOnOutOfMemoryError",
            // Buffered spans promoted at the first young collection they survive: copied once
            // (docs/performance.md, "The GC threads' cost").
            "-XX:MaxTenuringThreshold=0",
            // No statistics sampler waking 20 times a second for jstat ("The deciders' wake-ups").
            "-XX:-UsePerfData",
            // The exporter's few calls a second compiled (docs/performance.md, "The exporter's
            // cost per export call").
            "-XX:CompileCommand=quiet",
            "-XX:CompileCommand=CompileThresholdScaling,io.grpc.*::*,0.05",
            "-XX:CompileCommand=CompileThresholdScaling,dev.llmtail.server.exporter.*::*,0.05");
    // No collector: the JVM's choice (G1 from 2 CPUs and 1792 MB, Serial below) was the cheaper
    // one in both cases docs/performance.md measured ("Which collector"); naming one changes that.
    assertThat(flags).noneMatch(f -> f.matches("-XX:\\+Use\\w+GC"));

    Process java =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + OPTIONS,
                "-XX:+PrintCommandLineFlags",
                "-version")
            .redirectErrorStream(true)
            .start();
    String out = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(java.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(java.exitValue()).as(out).isZero();
    assertThat(out)
        .contains(
            "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-XX:MaxTenuringThreshold=0")
        // A CompileCommand the JVM cannot read is reported and skipped, not refused: say so here.
        .doesNotContain("CompileCommand: An error occurred");
  }
}
