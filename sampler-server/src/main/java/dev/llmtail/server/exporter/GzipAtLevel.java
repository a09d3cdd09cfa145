package dev.llmtail.server.exporter;

import io.grpc.Compressor;
import io.grpc.CompressorRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * grpc-java's {@code gzip} message encoding at a chosen deflate level ({@code
 * exporter.otlp.compression_params.level}); grpc-java's own {@code Codec.Gzip} always uses the
 * default level, 6. The backend decodes it with any gzip decoder; the level changes CPU and size,
 * not the format.
 *
 * <p>Each message is one gzip member (RFC 1952: the 10-byte header {@link
 * java.util.zip.GZIPOutputStream} writes, raw deflate, CRC-32 and length; the same bytes as that
 * stream at the same level), written through a {@link Deflater} kept between messages. A {@code
 * GZIPOutputStream} per message, as grpc-java's codec makes, sets up and frees zlib's 256 KiB of
 * state and a cleaner for every request, and hands deflate's output to gRPC 512 bytes at a time; at
 * the exporter's 20 requests a second that code runs in the interpreter, too rarely for the JIT,
 * and its set-up and finish were about a quarter of the sender thread's samples under {@code -Xint}
 * (docs/performance.md, "The exporter's CPU per kept span"). At most {@link #KEPT} deflaters are
 * kept (one per sender thread: spans, log records); a message that finds none idle makes one, one
 * returned to a full pool is freed.
 */
final class GzipAtLevel implements Compressor {

  /** Idle deflaters kept: the exporter's two sender threads compress at the same time. */
  static final int KEPT = 2;

  /** Deflate's output is handed to gRPC in chunks of this size (GZIPOutputStream: 512). */
  private static final int CHUNK = 4096;

  /**
   * The header GZIPOutputStream writes: magic, deflate, no flags, no time, no extra flags,
   * operating system unknown.
   */
  private static final byte[] HEADER = {
    0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff
  };

  private final int level;
  private final ArrayBlockingQueue<Deflater> idle = new ArrayBlockingQueue<>(KEPT);

  GzipAtLevel(int level) {
    this.level = level;
  }

  /** A registry whose {@code gzip} is this level: what the exporter's channel compresses with. */
  static CompressorRegistry registry(int level) {
    CompressorRegistry registry = CompressorRegistry.newEmptyInstance();
    registry.register(new GzipAtLevel(level));
    return registry;
  }

  @Override
  public String getMessageEncoding() {
    return "gzip";
  }

  @Override
  public OutputStream compress(OutputStream os) throws IOException {
    Deflater deflater = idle.poll();
    if (deflater == null) {
      deflater = new Deflater(level, true); // raw deflate: the gzip wrapper is written here
    }
    try {
      return new Member(os, deflater);
    } catch (IOException e) {
      release(deflater);
      throw e;
    }
  }

  /** Takes back a deflater whose message is finished, or frees it if enough are kept. */
  private void release(Deflater deflater) {
    deflater.reset();
    if (!idle.offer(deflater)) {
      deflater.end();
    }
  }

  /**
   * One gzip member around a borrowed deflater, which goes back on {@link #close} (gRPC closes the
   * stream after every message, also when writing it failed).
   */
  private final class Member extends DeflaterOutputStream {
    private final CRC32 crc = new CRC32();
    private boolean closed;

    Member(OutputStream out, Deflater deflater) throws IOException {
      super(out, deflater, CHUNK);
      out.write(HEADER);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      super.write(b, off, len);
      crc.update(b, off, len);
    }

    @Override
    public void finish() throws IOException {
      if (def.finished()) {
        return;
      }
      super.finish();
      long crc32 = crc.getValue();
      long size = def.getBytesRead();
      byte[] trailer = new byte[8];
      for (int i = 0; i < 4; i++) {
        trailer[i] = (byte) (crc32 >>> (8 * i));
        trailer[4 + i] = (byte) (size >>> (8 * i));
      }
      out.write(trailer);
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        finish();
        out.close();
      } finally {
        release(def);
      }
    }
  }
}
