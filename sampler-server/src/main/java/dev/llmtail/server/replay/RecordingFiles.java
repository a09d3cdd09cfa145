package dev.llmtail.server.replay;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The files replay reads: each file as given, each directory's {@code *.json}/{@code *.jsonl}. */
public final class RecordingFiles {

  private RecordingFiles() {}

  /**
   * Expands directories (recursively, in path order) and keeps files as given.
   *
   * @throws RecordingException naming a directory that cannot be listed or holds no recording
   */
  public static List<Path> expand(List<Path> inputs) throws RecordingException {
    List<Path> files = new ArrayList<>();
    for (Path input : inputs) {
      if (!Files.isDirectory(input)) {
        files.add(input);
        continue;
      }
      try (Stream<Path> walk = Files.walk(input, FileVisitOption.FOLLOW_LINKS)) {
        List<Path> found =
            walk.filter(Files::isRegularFile)
                .filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".jsonl"))
                .sorted()
                .toList();
        if (found.isEmpty()) {
          throw new RecordingException(
              input + ": no *.json or *.jsonl file in this directory (expected: OTLP JSON)");
        }
        files.addAll(found);
      } catch (IOException e) {
        throw new RecordingException(input + ": cannot list: " + e.getMessage());
      }
    }
    return files;
  }
}
