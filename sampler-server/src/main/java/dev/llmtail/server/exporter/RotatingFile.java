package dev.llmtail.server.exporter;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A file appended to line by line that rotates by size: when the next line would take it over
 * {@code maxBytes}, {@code kept.jsonl} becomes {@code kept.jsonl.1}, {@code .1} becomes {@code .2},
 * and so on up to {@code maxFiles}; the oldest is deleted. So the file and its rotated copies never
 * hold much more than {@code maxBytes × (maxFiles + 1)}. A single line larger than {@code maxBytes}
 * is still written whole, into a file of its own. Not thread-safe: the owner serialises calls.
 */
final class RotatingFile implements AutoCloseable {

  private final Path path;
  private final long maxBytes;
  private final int maxFiles;
  private BufferedWriter writer;
  private long size;

  RotatingFile(Path path, long maxBytes, int maxFiles) throws IOException {
    this.path = path;
    this.maxBytes = maxBytes;
    this.maxFiles = maxFiles;
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    open();
  }

  /** Appends {@code line} and a newline, rotating first if they would not fit; then flushes. */
  void append(String line) throws IOException {
    long bytes = line.getBytes(StandardCharsets.UTF_8).length + 1L;
    if (size > 0 && size + bytes > maxBytes) {
      rotate();
    }
    writer.write(line);
    writer.newLine();
    writer.flush();
    size += bytes;
  }

  private void rotate() throws IOException {
    writer.close();
    Files.deleteIfExists(rotated(maxFiles));
    for (int i = maxFiles - 1; i >= 1; i--) {
      if (Files.exists(rotated(i))) {
        Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.move(path, rotated(1), StandardCopyOption.REPLACE_EXISTING);
    open();
  }

  private Path rotated(int n) {
    return path.resolveSibling(path.getFileName() + "." + n);
  }

  private void open() throws IOException {
    writer =
        Files.newBufferedWriter(
            path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    size = Files.size(path);
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }
}
