package dev.llmtail.server.storage;

import static dev.llmtail.server.storage.SpanLogKeys.bytes;

import dev.llmtail.server.config.StorageConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * What {@code storage.directory} must be before and after RocksDB opens it: created, empty or
 * llmtail's, not held by another process, and of this version's format. Each refusal names the
 * directory and the fix.
 */
final class SpanLogDirectory {

  private static final byte[] FORMAT_KEY = bytes("format");

  private SpanLogDirectory() {}

  /** Creates the configured directory if needed; refuses one that holds something else. */
  static Path prepare(StorageConfig config) {
    Path dir = Path.of(config.directory()).toAbsolutePath();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new SpanLogException(
          "storage.directory "
              + dir
              + " cannot be created ("
              + e
              + "); point storage.directory at a writable directory (in the image: a volume at"
              + " /var/lib/llmtail/data)",
          e);
    }
    if (!Files.exists(dir.resolve("CURRENT")) && !isEmpty(dir)) {
      throw new SpanLogException(
          "storage.directory "
              + dir
              + " holds files but no llmtail span log; point storage.directory at an empty"
              + " directory or one llmtail created",
          null);
    }
    return dir;
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      throw new SpanLogException("storage.directory " + dir + " cannot be read: " + e, e);
    }
  }

  /** Why RocksDB could not open {@code dir}: another process holds it, or it is not ours. */
  static SpanLogException openFailure(Path dir, RocksDBException e) {
    String message = String.valueOf(e.getMessage());
    if (message.toLowerCase(Locale.ROOT).contains("lock")) {
      return new SpanLogException(
          "storage.directory "
              + dir
              + " is in use by another llmtail process (its LOCK file is held: "
              + message
              + "); stop that process or give each llmtail its own storage.directory",
          e);
    }
    return new SpanLogException(
        "storage.directory "
            + dir
            + " could not be opened as a span log ("
            + message
            + "); if an incompatible llmtail version wrote it, move it away or empty it",
        e);
  }

  /** Writes the format marker into a new log; refuses a log of another format. */
  static void checkFormat(
      RocksDB db, ColumnFamilyHandle spans, WriteOptions writeOptions, Path directory) {
    try {
      byte[] found = db.get(FORMAT_KEY);
      if (found == null) {
        boolean hasData;
        try (RocksIterator it = db.newIterator(spans)) {
          it.seekToFirst();
          hasData = it.isValid();
        }
        if (hasData) {
          throw incompatible(directory, "no format marker");
        }
        db.put(writeOptions, FORMAT_KEY, bytes(RocksSpanLog.FORMAT));
      } else if (!Arrays.equals(found, bytes(RocksSpanLog.FORMAT))) {
        throw incompatible(directory, "format '" + new String(found, StandardCharsets.UTF_8) + "'");
      }
    } catch (RocksDBException e) {
      throw new SpanLogException(
          "storage.directory " + directory + " could not be read: " + e.getMessage(), e);
    }
  }

  private static SpanLogException incompatible(Path directory, String what) {
    return new SpanLogException(
        "storage.directory "
            + directory
            + " was written by an incompatible llmtail version ("
            + what
            + ", this version reads '"
            + RocksSpanLog.FORMAT
            + "'); drain it with the version that wrote it, or move it away to start empty",
        null);
  }
}
