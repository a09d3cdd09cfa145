package llmtail.recorder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The node mock provider of ../lib/mock-serve.mjs, one process per case, on loopback port 0. */
final class MockProvider implements AutoCloseable {
  private final Process process;
  final String origin;

  MockProvider(Path recordingsDir, String repliesJson) throws IOException {
    process =
        new ProcessBuilder("node", recordingsDir.resolve("lib/mock-serve.mjs").toString(), repliesJson)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    if (line == null) {
      throw new IOException("mock provider exited before printing its address: " + repliesJson);
    }
    origin = line.trim();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.getOutputStream().close();
    process.waitFor();
  }
}
