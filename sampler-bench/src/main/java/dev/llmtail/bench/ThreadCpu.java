package dev.llmtail.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The CPU time of another process's threads by group (receiving, deciders, exporter, GC, JIT,
 * other), read from Linux's {@code /proc/<pid>/task/<tid>/stat}.
 *
 * <p>Only Linux has {@code /proc}: {@link #of} is empty elsewhere and the bench skips the
 * breakdown. Threads are grouped by the name the kernel keeps (the first 15 characters of the Java
 * thread's name). A thread that ended between two snapshots took its time with it; that time is
 * still in the process's total ({@code /proc/<pid>/stat}), so "other" is the total minus the named
 * groups and the groups always add up to the process's CPU time.
 */
final class ThreadCpu {

  /** Where a thread's CPU time is counted. */
  enum Group {
    /**
     * Receiving: gRPC's and Netty's threads (the OTLP receivers' transport, and the exporter's gRPC
     * channel, which shares their event loops and executor) and the gRPC receiver's pool, which
     * slices and admits requests ({@code llmtail-grpc-receiver}, {@code llmtail-grpc-re} in {@code
     * /proc}).
     */
    RECEIVING("receiving"),
    DECIDERS("deciders"),
    /** llmtail's export queues (batching, gzip, handing batches to the channel). */
    EXPORTER("exporter"),
    /** GC workers, G1's concurrent threads, and the VM thread, which runs Serial's collections. */
    GC("GC"),
    JIT("JIT"),
    OTHER("other");

    private final String label;

    Group(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }

    static Group of(String threadName) {
      if (threadName.startsWith("grpc-")
          || threadName.startsWith("multiThreadIoEv")
          || threadName.startsWith("llmtail-grpc-re")) {
        return RECEIVING;
      }
      if (threadName.startsWith("llmtail-decider")) {
        return DECIDERS;
      }
      if (threadName.startsWith("llmtail-otlp")) {
        return EXPORTER;
      }
      if (threadName.startsWith("GC Thread")
          || threadName.startsWith("G1 ")
          || threadName.equals("VM Thread")) {
        return GC;
      }
      if (threadName.contains("CompilerThre") || threadName.equals("Sweeper thread")) {
        return JIT;
      }
      return OTHER;
    }
  }

  /** CPU ticks per thread id and of the whole process, at one moment. */
  record Snapshot(Map<Long, Task> threads, long processTicks) {}

  /** One thread's name and its user + system CPU ticks. */
  record Task(String name, long ticks) {}

  private final Path proc;
  private final long nanosPerTick;

  ThreadCpu(Path proc, long ticksPerSecond) {
    this.proc = proc;
    this.nanosPerTick = 1_000_000_000L / ticksPerSecond;
  }

  /** Reads the threads of process {@code pid}; empty where there is no {@code /proc}. */
  static Optional<ThreadCpu> of(long pid) {
    Path proc = Path.of("/proc", Long.toString(pid));
    if (!Files.isDirectory(proc.resolve("task"))) {
      return Optional.empty();
    }
    return Optional.of(new ThreadCpu(proc, ticksPerSecond()));
  }

  /** USER_HZ, the unit of {@code /proc}'s times: 100 on every Linux we run on. */
  private static long ticksPerSecond() {
    try {
      Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      return getconf.waitFor() == 0 ? Long.parseLong(out.trim()) : 100;
    } catch (IOException | NumberFormatException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }

  Snapshot snapshot() {
    Map<Long, Task> threads = new HashMap<>();
    try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          Task t = parse(Files.readString(task.resolve("stat"), StandardCharsets.UTF_8));
          threads.put(Long.parseLong(task.getFileName().toString()), t);
        } catch (NoSuchFileException e) {
          // The thread ended while we listed them; its time is in the process's total.
        }
      }
      long process = parse(Files.readString(proc.resolve("stat"), StandardCharsets.UTF_8)).ticks();
      return new Snapshot(threads, process);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the threads of " + proc, e);
    }
  }

  /**
   * One line of {@code /proc/.../stat}: {@code pid (comm) state ...} with utime and stime the 14th
   * and 15th fields. The name may hold spaces and parentheses, so it ends at the last ')'.
   */
  static Task parse(String stat) {
    int open = stat.indexOf('(');
    int close = stat.lastIndexOf(')');
    if (open < 0 || close < open) {
      throw new IllegalArgumentException("not a /proc stat line: '" + stat.strip() + "'");
    }
    String[] fields = stat.substring(close + 2).strip().split(" ", -1);
    // fields[0] is the state (3rd field), so utime (14th) is fields[11], stime (15th) fields[12].
    return new Task(
        stat.substring(open + 1, close), Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
  }

  /** CPU nanoseconds per group between two snapshots of this process; the groups sum to total. */
  Map<Group, Long> between(Snapshot from, Snapshot to) {
    Map<Group, Long> ticks = new EnumMap<>(Group.class);
    for (Group g : Group.values()) {
      ticks.put(g, 0L);
    }
    long named = 0;
    for (Map.Entry<Long, Task> e : to.threads().entrySet()) {
      Group group = Group.of(e.getValue().name());
      if (group == Group.OTHER) {
        continue;
      }
      Task before = from.threads().get(e.getKey());
      long used = e.getValue().ticks() - (before == null ? 0 : before.ticks());
      ticks.merge(group, used, Long::sum);
      named += used;
    }
    ticks.put(Group.OTHER, Math.max(0, to.processTicks() - from.processTicks() - named));
    Map<Group, Long> nanos = new EnumMap<>(Group.class);
    ticks.forEach((g, t) -> nanos.put(g, t * nanosPerTick));
    return nanos;
  }

  /** CPU microseconds per span of every group but the JIT compiler's threads. */
  static double withoutJitPerSpan(Map<Group, Long> nanos, double spans) {
    long total = nanos.values().stream().mapToLong(Long::longValue).sum();
    return (total - nanos.get(Group.JIT)) / 1e3 / spans;
  }

  /** "receiving 12.1 | deciders 20.3 | ..." in microseconds per span. */
  static String perSpan(Map<Group, Long> nanos, double spans) {
    StringBuilder line = new StringBuilder();
    for (Map.Entry<Group, Long> e : nanos.entrySet()) {
      if (line.length() > 0) {
        line.append(" | ");
      }
      line.append(
          String.format(Locale.ROOT, "%s %.1f", e.getKey().label(), e.getValue() / 1e3 / spans));
    }
    return line.toString();
  }
}
