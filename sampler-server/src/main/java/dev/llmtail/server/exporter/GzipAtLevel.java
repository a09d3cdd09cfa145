package dev.llmtail.server.exporter;

import io.grpc.Compressor;
import io.grpc.CompressorRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * grpc-java's {@code gzip} message encoding at a chosen deflate level ({@code
 * exporter.otlp.compression_params.level}); grpc-java's own {@code Codec.Gzip} always uses the
 * default level, 6.
 *
 * <p>Same stream as grpc-java's codec, a {@link GZIPOutputStream} per message, with only the level
 * changed: {@link java.util.zip.Deflater#setLevel} before the first byte is deflated. The backend
 * decodes it with any gzip decoder; the level changes CPU and size, not the format.
 */
final class GzipAtLevel implements Compressor {

  private final int level;

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
    return new LeveledStream(os, level);
  }

  /** {@link GZIPOutputStream} exposes its {@code Deflater} only to subclasses. */
  private static final class LeveledStream extends GZIPOutputStream {
    LeveledStream(OutputStream out, int level) throws IOException {
      super(out);
      def.setLevel(level);
    }
  }
}
