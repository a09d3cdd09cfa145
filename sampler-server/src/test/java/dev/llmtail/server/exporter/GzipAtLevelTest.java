package dev.llmtail.server.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class GzipAtLevelTest {

  /** A captured prompt: text that compresses, the kind of span the exporter mostly ships. */
  private static final byte[] PROMPT =
      ("You are a helpful assistant. Summarise the customer's last three orders and say which"
              + " one is late, order 1042 shipped on Monday, order 1043 is waiting for stock. ")
          .repeat(60)
          .getBytes(StandardCharsets.UTF_8);

  private static byte[] compress(int level, byte[] payload) throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    try (OutputStream gzip = GzipAtLevel.registry(level).lookupCompressor("gzip").compress(wire)) {
      gzip.write(payload);
    }
    return wire.toByteArray();
  }

  private static byte[] decode(byte[] wire) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(wire))) {
      return in.readAllBytes();
    }
  }

  @Test
  void everyLevelIsPlainGzipThatDecodesToTheSameBytes() throws IOException {
    for (int level : new int[] {-1, 1, 9}) {
      assertThat(decode(compress(level, PROMPT))).as("level %d", level).isEqualTo(PROMPT);
    }
  }

  @Test
  void theLevelIsAppliedNotJustNamed() throws IOException {
    assertThat(compress(9, PROMPT).length).isLessThan(compress(1, PROMPT).length);
    assertThat(compress(-1, PROMPT)).isEqualTo(compress(6, PROMPT));
  }
}
