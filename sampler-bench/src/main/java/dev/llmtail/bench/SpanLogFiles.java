package dev.llmtail.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The span log directory of a row: clearing it before the row and sizing it afterwards. */
final class SpanLogFiles {

  private SpanLogFiles() {}

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  static long bytesOnDisk(Path dir) throws IOException {
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
