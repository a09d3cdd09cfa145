package dev.llmtail.server.storage;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteOptions;

/**
 * The open RocksDB of a {@link RocksSpanLog}, its column families and the write options of {@code
 * storage.sync}: what its writer, retention sweep and recovery share. Owned and closed by the log.
 */
record SpanLogDb(
    RocksDB db,
    ColumnFamilyHandle spans,
    ColumnFamilyHandle decisions,
    ColumnFamilyHandle expiry,
    WriteOptions writeOptions) {}
