package dev.llmtail.server.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Compressor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class GzipAtLevelTest {

  /** A captured prompt: text that compresses, the kind of span the exporter mostly ships. */
  private static final byte[] PROMPT =
      ("You are a helpful assistant. Summarise the customer's last three orders and say which"
              + " one is late, order 1042 shipped on Monday, order 1043 is waiting for stock. ")
          .repeat(60)
          .getBytes(StandardCharsets.UTF_8);

  private static byte[] compress(int level, byte[] payload) throws IOException {
    return compress(new GzipAtLevel(level), payload);
  }

  private static byte[] compress(Compressor gzip, byte[] payload) throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    try (OutputStream message = gzip.compress(wire)) {
      message.write(payload);
    }
    return wire.toByteArray();
  }

  private static byte[] jdkGzip(int level, byte[] payload) throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    try (OutputStream gzip =
        new GZIPOutputStream(wire) {
          {
            def.setLevel(level);
          }
        }) {
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
  void theChannelsRegistryCompressesWithTheLevel() throws IOException {
    Compressor gzip = GzipAtLevel.registry(9).lookupCompressor("gzip");
    assertThat(compress(gzip, PROMPT)).isEqualTo(jdkGzip(9, PROMPT));
  }

  @Test
  void aMessageIsTheSameGzipAsTheJdksStreamWrites() throws IOException {
    for (int level : new int[] {-1, 1, 6, 9}) {
      assertThat(compress(level, PROMPT)).as("level %d", level).isEqualTo(jdkGzip(level, PROMPT));
    }
    byte[] empty = new byte[0];
    assertThat(decode(compress(1, empty))).isEmpty();
    assertThat(compress(1, empty)).isEqualTo(jdkGzip(1, empty));
  }

  @Test
  void aDeflaterKeptFromOneMessageStartsTheNextOneClean() throws IOException {
    GzipAtLevel gzip = new GzipAtLevel(1);
    byte[] other = "order 1044 was cancelled".repeat(30).getBytes(StandardCharsets.UTF_8);
    compress(gzip, PROMPT);
    assertThat(compress(gzip, other)).isEqualTo(jdkGzip(1, other));
    assertThat(compress(gzip, PROMPT)).isEqualTo(jdkGzip(1, PROMPT));
  }

  @Test
  void messagesCompressedAtTheSameTimeEachGetTheirOwnDeflater() throws IOException {
    GzipAtLevel gzip = new GzipAtLevel(1);
    int open = GzipAtLevel.KEPT + 2;
    ByteArrayOutputStream[] wires = new ByteArrayOutputStream[open];
    OutputStream[] messages = new OutputStream[open];
    for (int i = 0; i < open; i++) {
      wires[i] = new ByteArrayOutputStream();
      messages[i] = gzip.compress(wires[i]);
    }
    for (int i = 0; i < open; i++) {
      messages[i].write(PROMPT, 0, PROMPT.length / (i + 1));
    }
    for (int i = 0; i < open; i++) {
      messages[i].close();
      messages[i].close(); // gRPC may close twice; the deflater goes back once
    }
    for (int i = 0; i < open; i++) {
      assertThat(decode(wires[i].toByteArray()))
          .isEqualTo(Arrays.copyOf(PROMPT, PROMPT.length / (i + 1)));
    }
    assertThat(compress(gzip, PROMPT)).isEqualTo(jdkGzip(1, PROMPT));
  }

  @Test
  void aMessageWhoseWriteFailedLeavesNoStateForTheNext() throws IOException {
    GzipAtLevel gzip = new GzipAtLevel(1);
    OutputStream broken =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("connection reset");
          }
        };
    OutputStream message = gzip.compress(new ByteArrayOutputStream());
    message.write(PROMPT, 0, 100); // deflate keeps it: nothing written yet
    assertThatThrownBy(
            () -> {
              try (OutputStream failing = gzip.compress(broken)) {
                failing.write(PROMPT);
              }
            })
        .isInstanceOf(IOException.class);
    message.close();
    assertThat(compress(gzip, PROMPT)).isEqualTo(jdkGzip(1, PROMPT));
  }

  @Test
  void theLevelIsAppliedNotJustNamed() throws IOException {
    assertThat(compress(9, PROMPT).length).isLessThan(compress(1, PROMPT).length);
    assertThat(compress(-1, PROMPT)).isEqualTo(compress(6, PROMPT));
  }
}
