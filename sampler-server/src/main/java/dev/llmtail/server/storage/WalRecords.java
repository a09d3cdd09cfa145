package dev.llmtail.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Where the records of one RocksDB write-ahead log file start, read from the file as RocksDB's log
 * writer lays it out: 32 KiB blocks; each physical record a 7-byte header (masked CRC32C of type
 * and payload, little-endian length, type) and its payload; a record longer than a block's rest
 * split into first, middle and last fragments; a block tail too short for a header padded.
 *
 * <p>A record starts where a full or first fragment does. A torn record (its header or payload cut
 * by the end of the file) still starts. A fragment whose checksum fails is damaged: it counts as
 * one record start, and the scan moves on byte by byte until a header whose checksum matches, which
 * is how it finds the records after a damaged one. Only the legacy record types (RocksDB's default,
 * no WAL recycling) are read. Used by {@link WalTail} before the store is opened.
 */
final class WalRecords {

  static final int BLOCK = 32 * 1024;
  static final int HEADER = 7;
  private static final int FULL = 1;
  private static final int FIRST = 2;
  private static final int LAST = 4;
  private static final int SET_COMPRESSION = 9;
  private static final int TIMESTAMP_SIZE = 10;
  private static final int MASK_DELTA = 0xa282ead8;

  private WalRecords() {}

  /** The offsets at which records start in {@code file}, in file order. */
  static long[] starts(Path file) throws IOException {
    long[] starts = new long[64];
    int count = 0;
    byte[] bytes = new byte[BLOCK];
    ByteBuffer block = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    boolean damaged = false; // inside a damaged stretch, already counted
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      for (long base = 0; ; base += BLOCK) {
        block.clear();
        while (block.hasRemaining() && channel.read(block) > 0) {
          // read the whole block, or up to the end of the file
        }
        int n = block.position();
        int p = 0;
        while (p < n) {
          long start = -1;
          int next;
          if (n - p < HEADER) {
            boolean tornHeader = n < BLOCK && !damaged && !zeros(block, p, n);
            start = tornHeader ? base + p : -1;
            next = n;
          } else {
            int length = block.getShort(p + 4) & 0xffff;
            int type = block.get(p + 6) & 0xff;
            int end = p + HEADER + length;
            boolean known = (type >= FULL && type <= LAST) || type == SET_COMPRESSION;
            known |= type == TIMESTAMP_SIZE;
            if (!damaged && type == 0 && length == 0) {
              next = n; // zeroed (preallocated) space where a header belongs: nothing more here
            } else if (!damaged && known && end > n && end <= BLOCK) {
              start = type == FULL || type == FIRST ? base + p : -1; // cut by the end of the file
              next = n;
            } else if (known && end <= n && checksumMatches(bytes, block, p, length)) {
              start = type == FULL || type == FIRST ? base + p : -1;
              damaged = false;
              next = end;
            } else {
              start = damaged ? -1 : base + p;
              damaged = true;
              next = p + 1;
            }
          }
          if (start >= 0) {
            if (count == starts.length) {
              starts = Arrays.copyOf(starts, count * 2);
            }
            starts[count++] = start;
          }
          p = next;
        }
        if (n < BLOCK) {
          return Arrays.copyOf(starts, count);
        }
      }
    }
  }

  private static boolean zeros(ByteBuffer block, int from, int to) {
    for (int i = from; i < to; i++) {
      if (block.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** RocksDB's header checksum: CRC32C of the type byte and the payload, masked. */
  private static boolean checksumMatches(byte[] bytes, ByteBuffer block, int p, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, p + 6, 1 + length);
    int c = (int) crc.getValue();
    int masked = ((c >>> 15) | (c << 17)) + MASK_DELTA;
    return masked == block.getInt(p);
  }
}
