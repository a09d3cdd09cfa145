package dev.llmtail.server.storage;

import dev.llmtail.core.TraceId;
import dev.llmtail.core.buffer.RememberedDecision;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/** Key layout and value encoding of the span log's column families. */
final class SpanLogKeys {
  static final byte SPANS = 1;
  static final byte LOGS = 2;
  static final int HEADER = 1 + 8 + 4;
  static final byte KEPT = 1;
  static final byte EXPORTED = 2;
  static final byte DROPPED = 3;

  /** Or-ed into {@link #KEPT} / {@link #EXPORTED}: a dropped trace kept afterwards (promoted). */
  static final byte PROMOTED = 0x10;

  static final byte[] FIRST_KEY = new byte[16];
  static final byte[] AFTER_LAST_KEY = next(filled(16, (byte) 0xff));

  private SpanLogKeys() {}

  static byte[] filled(int length, byte b) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, b);
    return bytes;
  }

  static byte[] key(TraceId traceId, long seq) {
    return ByteBuffer.allocate(24)
        .putLong(traceId.high())
        .putLong(traceId.low())
        .putLong(seq)
        .array();
  }

  static byte[] id(TraceId traceId) {
    return ByteBuffer.allocate(16).putLong(traceId.high()).putLong(traceId.low()).array();
  }

  static TraceId traceId(byte[] id) {
    ByteBuffer b = ByteBuffer.wrap(id, 0, 16);
    return new TraceId(b.getLong(), b.getLong());
  }

  /** The smallest 16-byte id after {@code id}: the exclusive end of its key range. */
  static byte[] next(byte[] id) {
    byte[] end = Arrays.copyOf(id, 16);
    for (int i = 15; i >= 0; i--) {
      if (++end[i] != 0) {
        return end;
      }
    }
    // ffff...ff: no 16-byte successor; a 17-byte key sorts after every key with this prefix.
    byte[] longer = Arrays.copyOf(id, 25);
    Arrays.fill(longer, 16, 25, (byte) 0xff);
    return longer;
  }

  /** Writes {@link #key(TraceId, long)} into {@code into} from its position. */
  static void key(ByteBuffer into, TraceId traceId, long seq) {
    into.putLong(traceId.high()).putLong(traceId.low()).putLong(seq);
  }

  /** Writes {@link #value(byte, long, byte[])} into {@code into} from its position. */
  static void value(ByteBuffer into, byte kind, long millis, byte[] payload) {
    CRC32C crc = new CRC32C();
    crc.update(payload);
    into.put(kind).putLong(millis).putInt((int) crc.getValue()).put(payload);
  }

  static byte[] value(byte kind, long millis, byte[] payload) {
    CRC32C crc = new CRC32C();
    crc.update(payload);
    return ByteBuffer.allocate(HEADER + payload.length)
        .put(kind)
        .putLong(millis)
        .putInt((int) crc.getValue())
        .put(payload)
        .array();
  }

  static byte[] decisionValue(byte state, long millis, RememberedDecision d) {
    byte[] reason = bytes(d.reason());
    return ByteBuffer.allocate(1 + 8 + 8 + reason.length)
        .put(state)
        .putLong(millis)
        .putDouble(d.adjustedCount())
        .put(reason)
        .array();
  }

  /** The state of a decision value without its {@link #PROMOTED} flag. */
  static byte state(byte[] decision) {
    return (byte) (decision[0] & ~PROMOTED);
  }

  static boolean promoted(byte[] decision) {
    return (decision[0] & PROMOTED) != 0;
  }

  static long decidedAt(byte[] decision) {
    return ByteBuffer.wrap(decision, 1, 8).getLong();
  }

  static RememberedDecision rememberedOf(byte[] d) {
    ByteBuffer b = ByteBuffer.wrap(d);
    byte state = (byte) (b.get() & ~PROMOTED);
    b.getLong();
    double adjusted = b.getDouble();
    String reason = new String(d, 17, d.length - 17, StandardCharsets.UTF_8);
    return new RememberedDecision(state != DROPPED, reason, adjusted);
  }

  static byte[] expiryKey(long millis, byte[] id) {
    return ByteBuffer.allocate(24).putLong(millis).put(id).array();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
