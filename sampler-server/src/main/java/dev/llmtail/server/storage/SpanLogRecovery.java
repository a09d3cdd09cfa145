package dev.llmtail.server.storage;

import static dev.llmtail.server.storage.SpanLogKeys.DROPPED;
import static dev.llmtail.server.storage.SpanLogKeys.HEADER;
import static dev.llmtail.server.storage.SpanLogKeys.LOGS;
import static dev.llmtail.server.storage.SpanLogKeys.SPANS;
import static dev.llmtail.server.storage.SpanLogKeys.key;
import static dev.llmtail.server.storage.SpanLogKeys.promoted;
import static dev.llmtail.server.storage.SpanLogKeys.rememberedOf;
import static dev.llmtail.server.storage.SpanLogKeys.state;
import static dev.llmtail.server.storage.SpanLogKeys.traceId;
import static dev.llmtail.server.storage.SpanLogKeys.value;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.RememberedDecision;
import dev.llmtail.core.ingest.GroupedLogs;
import dev.llmtail.core.ingest.GroupedRequest;
import dev.llmtail.core.ingest.LogFragment;
import dev.llmtail.core.ingest.LogGrouper;
import dev.llmtail.core.ingest.TraceFragment;
import dev.llmtail.core.ingest.TraceSlicer;
import io.micrometer.core.instrument.Counter;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Reads the span log back after a restart: undecided traces, and what kept traces still hold that
 * was not delivered.
 */
final class SpanLogRecovery {
  private static final System.Logger LOG = System.getLogger(RocksSpanLog.class.getName());

  private SpanLogRecovery() {}

  static RecoveryReport recover(
      RocksDB db,
      ColumnFamilyHandle spans,
      ColumnFamilyHandle decisions,
      Path directory,
      Counter recoveredSpans,
      Counter corrupt,
      Consumer<RecoveredTrace> recovered) {
    int undecided = 0;
    int kept = 0;
    long fragments = 0;
    long damaged = 0;
    try (ReadOptions read = new ReadOptions().setTotalOrderSeek(true);
        RocksIterator it = db.newIterator(spans, read)) {
      it.seekToFirst();
      byte[] currentId = null;
      RememberedDecision currentDecision = null;
      boolean currentPromoted = false;
      boolean settled = false;
      List<RecoveredTrace.Timed<TraceFragment>> spanList = new ArrayList<>();
      List<RecoveredTrace.Timed<LogFragment>> logList = new ArrayList<>();
      while (true) {
        byte[] key = it.isValid() ? it.key() : null;
        boolean sameTrace =
            key != null && currentId != null && Arrays.equals(key, 0, 16, currentId, 0, 16);
        if (currentId != null && !sameTrace) {
          if (!settled && (!spanList.isEmpty() || !logList.isEmpty())) {
            spanList.forEach(s -> recoveredSpans.increment(s.fragment().spanCount()));
            recovered.accept(
                new RecoveredTrace(
                    traceId(currentId),
                    currentDecision,
                    List.copyOf(spanList),
                    List.copyOf(logList),
                    currentPromoted));
            if (currentDecision == null) {
              undecided++;
            } else {
              kept++;
            }
          }
          spanList.clear();
          logList.clear();
          currentId = null;
        }
        if (key == null) {
          break;
        }
        if (key.length != 24) {
          damaged++;
          it.next();
          continue;
        }
        if (currentId == null) {
          currentId = Arrays.copyOf(key, 16);
          byte[] d = db.get(decisions, currentId);
          // Kept (exported or not): what is still here was not delivered, e.g. late spans.
          settled = d != null && state(d) == DROPPED;
          currentDecision = d != null && !settled ? rememberedOf(d) : null;
          currentPromoted = d != null && promoted(d);
        }
        if (!settled) {
          long seq = ByteBuffer.wrap(key, 16, 8).getLong();
          if (readFragment(traceId(currentId), seq, it.value(), spanList, logList)) {
            fragments++;
          } else {
            damaged++;
          }
        }
        it.next();
      }
    } catch (RocksDBException e) {
      throw new SpanLogException(
          "storage.directory " + directory + " could not be read back: " + e.getMessage(), e);
    }
    corrupt.increment(damaged);
    RecoveryReport report = new RecoveryReport(undecided, kept, fragments, damaged);
    if (damaged > 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          "span log: skipped {0} damaged records in {1} (counted in llmtail.storage.records.corrupt)",
          damaged,
          directory);
    }
    return report;
  }

  /**
   * Decodes one value stored at {@code seq}; false if it is damaged (checksum, kind or encoding).
   * Its span fragment carries {@code seq} as its log position: a buffer restoring it reads its
   * bytes back from the log rather than keeping them.
   */
  static boolean readFragment(
      TraceId traceId,
      long seq,
      byte[] value,
      List<RecoveredTrace.Timed<TraceFragment>> spanList,
      List<RecoveredTrace.Timed<LogFragment>> logList) {
    if (value.length < HEADER) {
      return false;
    }
    ByteBuffer header = ByteBuffer.wrap(value, 0, HEADER);
    byte kind = header.get();
    Instant at = Instant.ofEpochMilli(header.getLong());
    int crc = header.getInt();
    CRC32C check = new CRC32C();
    check.update(value, HEADER, value.length - HEADER);
    if ((int) check.getValue() != crc) {
      return false;
    }
    byte[] payload = Arrays.copyOfRange(value, HEADER, value.length);
    try {
      if (kind == SPANS) {
        GroupedRequest grouped = TraceSlicer.sliceResourceSpans(payload).group();
        for (TraceFragment f : grouped.fragments()) {
          if (f.traceId().equals(traceId)) {
            spanList.add(new RecoveredTrace.Timed<>(f.loggedAt(seq), at));
          }
        }
        return true;
      }
      if (kind == LOGS) {
        GroupedLogs grouped = LogGrouper.group(List.of(ResourceLogs.parseFrom(payload)));
        for (LogFragment f : grouped.fragments()) {
          if (f.traceId().equals(traceId)) {
            logList.add(new RecoveredTrace.Timed<>(f, at));
          }
        }
        return true;
      }
      return false;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }
}
