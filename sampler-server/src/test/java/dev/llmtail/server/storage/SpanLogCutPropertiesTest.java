package dev.llmtail.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.core.TraceId;
import dev.llmtail.server.config.ByteSize;
import dev.llmtail.server.config.StorageConfig;
import dev.llmtail.testing.TraceBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A span log whose write-ahead log was cut at a random byte offset, or had a random byte changed,
 * as a crash or a bad disk leaves it: it always opens, and what it recovers is exactly the requests
 * written before the damage, each whole (a request is one atomic batch). Tagged {@code fault}.
 */
@Tag("fault")
class SpanLogCutPropertiesTest {

  private static final int REQUESTS = 200;
  private static Path image;
  private static List<TraceId> written;

  /** Writes {@code REQUESTS} one-trace requests and copies the directory while the log is open. */
  @BeforeContainer
  static void writeCrashImage() throws IOException {
    Path live = Files.createTempDirectory("span-log-live");
    image = Files.createTempDirectory("span-log-image");
    written = new ArrayList<>();
    try (RocksSpanLog log = open(live)) {
      for (int i = 0; i < REQUESTS; i++) {
        TraceBuilder t = TraceBuilder.trace();
        t.root("POST /chat").child("chat gpt-4o");
        log.append(t.fragments(), List.of());
        written.add(t.traceId());
      }
      copy(live, image); // what a SIGKILL at this moment leaves on disk
    }
    delete(live);
  }

  @AfterContainer
  static void deleteImage() throws IOException {
    delete(image);
  }

  @Property(tries = 40)
  void logCutAtAnyOffsetOpensAndRecoversAWholePrefix(
      @ForAll @DoubleRange(min = 0, max = 1) double cutAt) throws IOException {
    Path dir = Files.createTempDirectory("span-log-cut");
    try {
      copy(image, dir);
      long walLength;
      long cut;
      try (RandomAccessFile f = new RandomAccessFile(wal(dir).toFile(), "rw")) {
        walLength = f.length();
        cut = (long) (walLength * cutAt);
        f.setLength(cut);
      }
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      int recovered = assertRecoversAPrefix(dir, meters);
      // Records are the same size: nothing wholly before the cut may be lost.
      assertThat(recovered).isGreaterThanOrEqualTo((int) (cutAt * REQUESTS) - 1);
      long skipped = skipped(meters);
      assertThat(skipped).as("at most the torn record").isLessThan(2 * walLength / REQUESTS);
      // A header's worth of bytes or more is the torn record; fewer may be a block's zero padding.
      long records = skippedRecords(meters);
      assertThat(records).as("the torn record, counted once").isLessThanOrEqualTo(1);
      if (skipped >= 7) {
        assertThat(records).isEqualTo(1);
      }
      if (skipped == 0) {
        assertThat(records).isZero();
      }

      // Without the skipped bytes, the same log ends cleanly after the same requests.
      Path clean = Files.createTempDirectory("span-log-clean");
      try {
        copy(image, clean);
        try (RandomAccessFile f = new RandomAccessFile(wal(clean).toFile(), "rw")) {
          f.setLength(cut - skipped);
        }
        SimpleMeterRegistry cleanMeters = new SimpleMeterRegistry();
        assertThat(assertRecoversAPrefix(clean, cleanMeters)).isEqualTo(recovered);
        assertThat(skipped(cleanMeters)).isZero();
        assertThat(skippedRecords(cleanMeters)).isZero();
      } finally {
        delete(clean);
      }
    } finally {
      delete(dir);
    }
  }

  @Property(tries = 40)
  void logWithADamagedByteOpensAndRecoversAWholePrefix(
      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double at) throws IOException {
    Path dir = Files.createTempDirectory("span-log-flip");
    try {
      copy(image, dir);
      Path wal = wal(dir);
      long walLength;
      long offset;
      try (RandomAccessFile f = new RandomAccessFile(wal.toFile(), "rw")) {
        walLength = f.length();
        offset = (long) (walLength * at);
        f.seek(offset);
        int b = f.read();
        f.seek(offset);
        f.write(b ^ 0x5a);
      }
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      int recovered = assertRecoversAPrefix(dir, meters);
      if (recovered < REQUESTS) {
        assertThat(skipped(meters))
            .as("the damaged record and everything after it are counted as skipped")
            .isGreaterThanOrEqualTo(walLength - offset);
        // Each request lost is one record counted; a damaged header may add the format marker's
        // record or count one record's two fragments apart.
        assertThat(skippedRecords(meters))
            .as("records skipped after a damaged byte")
            .isBetween((long) REQUESTS - recovered, (long) REQUESTS - recovered + 2);
      } else {
        assertThat(skippedRecords(meters)).isZero();
      }
    } finally {
      delete(dir);
    }
  }

  @Property(tries = 1)
  void aDamagedFirstHeaderCountsEveryRecordAfterIt() throws IOException {
    Path dir = Files.createTempDirectory("span-log-header");
    try {
      copy(image, dir);
      try (RandomAccessFile f = new RandomAccessFile(wal(dir).toFile(), "rw")) {
        f.seek(5); // the high byte of the first record's length: RocksDB stops reading there
        f.write(f.read() ^ 0x40);
      }
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      assertThat(assertRecoversAPrefix(dir, meters)).isZero();
      assertThat(skippedRecords(meters))
          .as("the format marker's record and every request after it")
          .isEqualTo(REQUESTS + 1);
    } finally {
      delete(dir);
    }
  }

  @Property(tries = 1)
  void aWholeLogSkipsNothing() throws IOException {
    Path dir = Files.createTempDirectory("span-log-whole");
    try {
      copy(image, dir);
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      assertThat(assertRecoversAPrefix(dir, meters)).isEqualTo(REQUESTS);
      assertThat(skipped(meters)).isZero();
      assertThat(skippedRecords(meters)).isZero();
    } finally {
      delete(dir);
    }
  }

  private static long skipped(SimpleMeterRegistry meters) {
    return (long) meters.get("llmtail.storage.wal.skipped").counter().count();
  }

  private static long skippedRecords(SimpleMeterRegistry meters) {
    return (long) meters.get("llmtail.storage.wal.skipped.records").counter().count();
  }

  private static int assertRecoversAPrefix(Path dir, SimpleMeterRegistry meters) {
    List<RecoveredTrace> recovered = new ArrayList<>();
    try (RocksSpanLog log = open(dir, meters)) {
      log.recover(recovered::add);
    }
    Set<TraceId> ids = new HashSet<>();
    for (RecoveredTrace t : recovered) {
      assertThat(t.spans()).as("a request is recovered whole or not at all").hasSize(1);
      assertThat(t.spans().get(0).fragment().spanCount()).isEqualTo(2);
      ids.add(t.traceId());
    }
    assertThat(ids).isEqualTo(new HashSet<>(written.subList(0, ids.size())));
    return ids.size();
  }

  private static RocksSpanLog open(Path dir) {
    return open(dir, new SimpleMeterRegistry());
  }

  private static RocksSpanLog open(Path dir, SimpleMeterRegistry meters) {
    return RocksSpanLog.open(
        new StorageConfig(dir.toString(), "always", Duration.ofHours(1), new ByteSize(1L << 30)),
        Clock.systemUTC(),
        meters);
  }

  /** The write-ahead log: the newest NNNNNN.log file. */
  private static Path wal(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().matches("\\d+\\.log"))
          .max(Comparator.comparing(p -> p.getFileName().toString()))
          .orElseThrow(() -> new AssertionError("no WAL file in " + dir));
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.list(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (!p.getFileName().toString().equals("LOCK")) {
          Files.copy(p, to.resolve(p.getFileName()));
        }
      }
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
