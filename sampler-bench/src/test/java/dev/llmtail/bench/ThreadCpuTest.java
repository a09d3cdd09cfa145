package dev.llmtail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmtail.bench.ThreadCpu.Group;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThreadCpuTest {

  /** A line of /proc/PID/task/TID/stat as Linux 6.18 wrote it for a JDK 17 thread. */
  private static String stat(long tid, String name, long utime, long stime) {
    return tid
        + " ("
        + name
        + ") S 21207 21207 12175 0 -1 4194368 1740 0 0 0 "
        + utime
        + " "
        + stime
        + " 0 0 20 0 20 0 2013285 9189818368 225247 18446744073709551615 94076456603648"
        + " 94076456604533 140737446425040 0 0 0 4 2 16800973 1 0 0 -1 1 0 0 0 0 0"
        + " 94076456615232 94076456615960 94077203144704 140737446431444 140737446431475"
        + " 140737446431475 140737446432746 0\n";
  }

  @TempDir Path proc;

  private void write(long processTicks, Map<Long, String> tasks) throws IOException {
    Files.writeString(proc.resolve("stat"), stat(21209, "java", processTicks, 0));
    Path task = proc.resolve("task");
    if (Files.isDirectory(task)) {
      try (var old = Files.walk(task)) {
        old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    for (Map.Entry<Long, String> e : tasks.entrySet()) {
      Path dir = Files.createDirectories(task.resolve(Long.toString(e.getKey())));
      Files.writeString(dir.resolve("stat"), e.getValue());
    }
  }

  @Test
  void readsUserPlusSystemTicksAndTheWholeNameEvenWithSpacesAndParentheses() {
    ThreadCpu.Task task = ThreadCpu.parse(stat(21223, "C2 CompilerThre", 18, 3));
    assertThat(task.name()).isEqualTo("C2 CompilerThre");
    assertThat(task.ticks()).isEqualTo(21);
    assertThat(ThreadCpu.parse(stat(7, "odd) (name", 5, 6)).name()).isEqualTo("odd) (name");
  }

  @Test
  void refusesALineThatIsNotAStatLine() {
    assertThatThrownBy(() -> ThreadCpu.parse("no name here"))
        .hasMessageContaining("not a /proc stat line: 'no name here'");
  }

  @Test
  void groupsTheThreadsOfLlmtailAndOfEachCollectorByName() {
    assertThat(Group.of("grpc-nio-worker")).isEqualTo(Group.RECEIVING);
    assertThat(Group.of("grpc-default-ex")).isEqualTo(Group.RECEIVING);
    assertThat(Group.of("multiThreadIoEv")).isEqualTo(Group.RECEIVING);
    // The gRPC receiver's pool, "llmtail-grpc-receiver" cut to the 15 characters /proc keeps.
    assertThat(Group.of("llmtail-grpc-re")).isEqualTo(Group.RECEIVING);
    assertThat(Group.of("llmtail-decider")).isEqualTo(Group.DECIDERS);
    assertThat(Group.of("llmtail-otlp-sp")).isEqualTo(Group.EXPORTER);
    assertThat(Group.of("llmtail-otlp-lo")).isEqualTo(Group.EXPORTER);
    assertThat(Group.of("GC Thread#1")).isEqualTo(Group.GC);
    assertThat(Group.of("G1 Conc#0")).isEqualTo(Group.GC);
    assertThat(Group.of("G1 Refine#0")).isEqualTo(Group.GC);
    assertThat(Group.of("VM Thread")).isEqualTo(Group.GC);
    assertThat(Group.of("C1 CompilerThre")).isEqualTo(Group.JIT);
    assertThat(Group.of("C2 CompilerThre")).isEqualTo(Group.JIT);
    assertThat(Group.of("Sweeper thread")).isEqualTo(Group.JIT);
    assertThat(Group.of("llmtail-admin")).isEqualTo(Group.OTHER);
    assertThat(Group.of("java")).isEqualTo(Group.OTHER);
  }

  @Test
  void splitsTheProcessTimeBetweenTwoSnapshotsIntoGroupsThatAddUpToIt() throws IOException {
    ThreadCpu cpu = new ThreadCpu(proc, 100);
    write(
        1000,
        Map.of(
            101L, stat(101, "grpc-nio-worker", 100, 20),
            102L, stat(102, "llmtail-decider", 300, 10),
            103L, stat(103, "C2 CompilerThre", 200, 0),
            104L, stat(104, "Finalizer", 1, 0),
            105L, stat(105, "grpc-default-ex", 50, 0),
            107L, stat(107, "llmtail-grpc-re", 70, 10)));
    ThreadCpu.Snapshot from = cpu.snapshot();
    // 105 ended (its 7 more ticks stay in the process's total); 106 started.
    write(
        1247,
        Map.of(
            101L, stat(101, "grpc-nio-worker", 130, 30),
            102L, stat(102, "llmtail-decider", 400, 10),
            103L, stat(103, "C2 CompilerThre", 250, 0),
            104L, stat(104, "Finalizer", 1, 0),
            106L, stat(106, "GC Thread#0", 15, 5),
            107L, stat(107, "llmtail-grpc-re", 90, 20)));
    Map<Group, Long> nanos = cpu.between(from, cpu.snapshot());

    assertThat(nanos)
        .containsEntry(Group.RECEIVING, 700_000_000L)
        .containsEntry(Group.DECIDERS, 1_000_000_000L)
        .containsEntry(Group.JIT, 500_000_000L)
        .containsEntry(Group.GC, 200_000_000L)
        .containsEntry(Group.EXPORTER, 0L)
        .containsEntry(Group.OTHER, 70_000_000L);
    assertThat(nanos.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2_470_000_000L);
    assertThat(Warmup.jitShare(nanos)).isEqualTo(500 / 2470.0);
    assertThat(ThreadCpu.perSpan(nanos, 10_000))
        .isEqualTo(
            "receiving 70.0 | deciders 100.0 | exporter 0.0 | GC 20.0 | JIT 50.0 | other 7.0");
    assertThat(ThreadCpu.withoutJitPerSpan(nanos, 10_000)).isEqualTo(197.0);
  }

  @Test
  void isEmptyForAProcessWithoutProc() {
    assertThat(ThreadCpu.of(Long.MAX_VALUE)).isEmpty();
  }
}
